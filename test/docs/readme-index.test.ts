/**
 * The README's documentation index reaches the API reference and every framework page, its links
 * resolve, and the README documents the API the "Adoption by Node apps as they are" issue found
 * undocumented.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The README's `## Documentation` section. */
function index(): string {
  const start = readme.indexOf('\n## Documentation\n');
  assert.ok(start !== -1, 'README has a Documentation section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end);
}

describe('README documentation index', () => {
  it('links the API reference and each docs/frameworks page', () => {
    const section = index();
    assert.match(section, /\]\(docs\/api\/README\.md\)/);
    const pages = readdirSync(join(root, 'docs', 'frameworks')).filter((file) => file.endsWith('.md'));
    assert.ok(pages.length >= 7, `docs/frameworks has the seven pages: ${pages.join(', ')}`);
    for (const page of pages) assert.ok(section.includes(`](docs/frameworks/${page})`), `links ${page}`);
  });

  it('has no relative link to a missing file', () => {
    for (const [, target] of index().matchAll(/\]\(([^)#]+)(?:#[^)]*)?\)/g)) {
      assert.ok(target !== undefined && existsSync(join(root, target)), `${target} exists`);
    }
  });

  it('documents the API the issue found undocumented', () => {
    for (const name of [
      'session.userId()',
      'session.info()',
      'session.isNew',
      'session.existingCsrfToken()',
      'csrfProtection()',
      'verifyNodeCsrf',
      'verifyRequestCsrf',
      'loadSession(',
      'commitResponse(',
      'applyCommit(',
      'errorResponse(',
      'csrfFailureResponse',
      'loadUpgradeSession(',
      'store_unavailable',
      '`X-Session-Token`',
      '`cookie: false`',
    ]) {
      assert.ok(readme.includes(name), `README documents ${name}`);
    }
  });
});
