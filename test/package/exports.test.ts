/**
 * Guards the public surface: every subpath in package.json `exports` maps to a source entry, and
 * the names each entry exports match the committed snapshot. A change to the public API shows up
 * here as a diff to review (regenerate with UPDATE_EXPORTS_SNAPSHOT=1).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  exports: Record<string, string | { types: string; import: string }>;
};
const snapshotPath = fileURLToPath(new URL('./exports.snapshot.json', import.meta.url));

/** `./dist/stores/memory.js` → `src/stores/memory.ts`. */
function sourceOf(target: string): string {
  return target.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
}

describe('package exports', () => {
  it('every subpath export has types and an import target built from a source file', () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (subpath === './package.json') continue;
      assert.equal(typeof target, 'object', subpath);
      const { types, import: entry } = target as { types: string; import: string };
      assert.equal(
        types.replace(/\.d\.ts$/, ''),
        entry.replace(/\.js$/, ''),
        `${subpath}: types and import differ`,
      );
      readFileSync(`${root}${sourceOf(entry)}`); // throws when the source entry is missing
    }
  });

  it('the export names of every entry point match the snapshot', async () => {
    const actual: Record<string, string[]> = {};
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (subpath === './package.json' || typeof target === 'string') continue;
      const module = (await import(`${root}${sourceOf(target.import)}`)) as Record<string, unknown>;
      actual[subpath] = Object.keys(module).sort();
    }
    if (process.env.UPDATE_EXPORTS_SNAPSHOT === '1')
      writeFileSync(snapshotPath, `${JSON.stringify(actual, null, 2)}\n`);
    const expected = JSON.parse(readFileSync(snapshotPath, 'utf8')) as Record<string, string[]>;
    assert.deepEqual(
      actual,
      expected,
      'public exports changed: review, then run with UPDATE_EXPORTS_SNAPSHOT=1',
    );
  });
});
