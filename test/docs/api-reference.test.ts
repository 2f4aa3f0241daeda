/**
 * The API reference in docs/api/ is what `npm run docs:api` makes of the source: regenerated into a
 * temporary directory, it must match file for file. Generating also fails on an export without a
 * doc comment, and the reference covers every public entry point but none of the `@internal` API.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  convertEntryPoints,
  generateApiReference,
  publicEntryPoints,
  undocumentedExports,
} from '../../scripts/docs-api.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const committed = join(root, 'docs', 'api');

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** Names declared right after an `@internal` doc comment anywhere under src/. */
function internalNames(): string[] {
  const names = new Set<string>();
  const src = join(root, 'src');
  for (const file of files(src).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(join(src, file), 'utf8');
    const pattern =
      /\/\*\*[^/]*?@internal[\s\S]*?\*\/\s*(?:export\s+)?(?:declare\s+)?(?:function|const|let|class|interface|type)\s+(\w+)/g;
    for (const match of text.matchAll(pattern)) if (match[1]) names.add(match[1]);
  }
  return [...names];
}

describe('API reference (docs/api)', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'coatcheck-api-'));
  after(() => rmSync(fresh, { recursive: true, force: true }));

  it('matches what `npm run docs:api` generates from the source', async () => {
    await generateApiReference(fresh);
    const expected = files(fresh);
    const actual = files(committed);
    const fix = 'run `npm run docs:api` and commit docs/api/';
    const missing = expected.find((file) => !actual.includes(file));
    assert.equal(missing, undefined, `docs/api/${missing} is not committed: ${fix}`);
    const extra = actual.find((file) => !expected.includes(file));
    assert.equal(extra, undefined, `docs/api/${extra} is no longer generated: ${fix}`);
    for (const file of expected) {
      const same = readFileSync(join(fresh, file), 'utf8') === readFileSync(join(committed, file), 'utf8');
      assert.ok(same, `docs/api/${file} differs from the source's doc comments: ${fix}`);
    }
  });

  it('has a module for every public package.json export (not ./package.json)', () => {
    const index = readFileSync(join(committed, 'README.md'), 'utf8');
    const entries = [...publicEntryPoints().keys()];
    assert.ok(
      entries.includes('coatcheck/stores/drizzle/pg') && !entries.some((name) => name.includes('json')),
    );
    for (const name of entries) assert.ok(index.includes(`- [${name}](`), `docs/api/README.md lists ${name}`);
  });

  it('shows none of the @internal API that the published .d.ts strips', () => {
    const internal = internalNames();
    assert.ok(internal.includes('attachTelemetry'), 'the scan finds the known @internal functions');
    const text = files(committed)
      .map((file) => readFileSync(join(committed, file), 'utf8'))
      .join('\n');
    for (const name of internal) {
      assert.doesNotMatch(text, new RegExp(`\\b${name}\\b`), `${name} is @internal`);
    }
  });

  it('the undocumented-export check names each export and member without a doc comment', async () => {
    const fixtures = join(root, 'test', 'docs', 'fixtures');
    const { project } = await convertEntryPoints(
      new Map([['fixture', join(fixtures, 'undocumented.ts')]]),
      join(fresh, 'unused'),
      join(fixtures, 'tsconfig.json'),
    );
    // One entry point: TypeDoc names the lone module after the project.
    const names = undocumentedExports(project).map((name) => name.slice('coatcheck.'.length));
    assert.deepEqual(names.sort(), ['Box.height', 'Shape', 'Shape.size', 'bare']);
  });
});
