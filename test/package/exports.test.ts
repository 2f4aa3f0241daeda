/**
 * Guards the public surface: every subpath in package.json `exports` maps to a source entry, with
 * an `import` and a `require` condition of the same shape, and the names each entry exports match
 * the committed snapshot. A change to the public API shows up here as a diff to review (regenerate
 * with UPDATE_EXPORTS_SNAPSHOT=1). test/package/tarball.test.ts holds the built package, loaded
 * with `import` and with `require`, to the same snapshot.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { moduleEntries } from '../../scripts/build.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  exports: Record<string, unknown>;
  main: string;
  types: string;
  typesVersions: { '*': Record<string, string[]> };
};
const snapshotPath = fileURLToPath(new URL('./exports.snapshot.json', import.meta.url));

/** The module entries (every subpath but `./package.json`), by their `dist/<base>` path without extension. */
const entries = moduleEntries(pkg.exports).map(([subpath, targets]) => ({
  subpath,
  targets,
  base: targets.import.default.replace(/^\.\/dist\//, '').replace(/\.js$/, ''),
}));

describe('package exports', () => {
  it('every subpath is an entry with import and require conditions, or ./package.json', () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (subpath === './package.json') assert.equal(target, './package.json');
      else
        assert.deepEqual(
          Object.keys(target as object),
          ['import', 'require'],
          `${subpath}: import then require (copy the shape of ".")`,
        );
    }
    assert.ok(entries.length > 1);
  });

  it('each condition names the types beside its file: ESM in dist/, the CommonJS shim in dist/cjs/', () => {
    for (const { subpath, targets, base } of entries) {
      assert.deepEqual(
        targets,
        {
          import: { types: `./dist/${base}.d.ts`, default: `./dist/${base}.js` },
          require: { types: `./dist/cjs/${base}.d.ts`, default: `./dist/cjs/${base}.js` },
        },
        subpath,
      );
      readFileSync(`${root}src/${base}.ts`); // throws when the source entry is missing
    }
  });

  it('node10 resolution (TypeScript `module: commonjs`) finds the same CommonJS types', () => {
    const main = entries.find((entry) => entry.subpath === '.');
    assert.ok(main);
    assert.equal(pkg.main, main.targets.require.default);
    assert.equal(pkg.types, main.targets.require.types);
    const expected = Object.fromEntries(
      entries
        .filter((entry) => entry.subpath !== '.')
        .map((entry) => [entry.subpath.slice(2), [entry.targets.require.types]]),
    );
    assert.deepEqual(pkg.typesVersions, { '*': expected });
  });

  it('the export names of every entry point match the snapshot', async () => {
    const actual: Record<string, string[]> = {};
    for (const { subpath, base } of entries) {
      const module = (await import(`${root}src/${base}.ts`)) as Record<string, unknown>;
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
