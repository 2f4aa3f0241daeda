import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderReadme } from '../../scripts/readme-sections.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('README', () => {
  it('its reference sections match docs/ (run `npm run readme` after editing docs)', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    assert.equal(readme, renderReadme(readme));
  });

  it('keeps the quick start the contract promises', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    assert.match(readme, /npm ci && npm start/);
    assert.match(readme, /npm test/);
  });
});
