/**
 * The install table in docs/install.md (the README's first section) tells the truth: every store
 * entry has a row, each driver it names is an optional peer dependency, and a store's source
 * imports no package its row does not name ("nothing" means none at all).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

interface Row {
  readonly entry: string;
  readonly add: string;
  readonly drivers: string[];
}

function installRows(): Row[] {
  const markdown = readFileSync(join(root, 'docs', 'install.md'), 'utf8');
  return markdown
    .split('\n')
    .filter((line) => /^\| .*`coatcheck\/stores\//.test(line))
    .map((line) => {
      const [, , entry = '', add = ''] = line.split('|').map((cell) => cell.trim().replace(/`/g, ''));
      const drivers = [
        ...add.matchAll(/npm install ([\w@/.-]+)/g),
        ...add.matchAll(/\(or ([\w@/.-]+)\)/g),
      ].map((match) => match[1] ?? '');
      return { entry, add, drivers };
    });
}

/** The packages (not node: built-ins) that a store's entry file and its folder import, statically or not. */
function packagesImportedBy(store: string): Set<string> {
  const files = [join(root, 'src', 'stores', `${store}.ts`)];
  const folder = join(root, 'src', 'stores', store);
  if (existsSync(folder)) for (const file of readdirSync(folder)) files.push(join(folder, file));
  const found = new Set<string>();
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:from\s+|import\(\s*)'([^'.][^']*)'/g)) {
      const specifier = match[1] ?? '';
      // node: built-ins, and `#…` subpath imports (this package's own modules, e.g. #platform/sqlite-open).
      if (specifier.startsWith('node:') || specifier.startsWith('#')) continue;
      const parts = specifier.split('/');
      found.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? ''));
    }
  }
  return found;
}

describe('install table (docs/install.md)', () => {
  const rows = installRows();

  it('has a row for every store entry point', () => {
    const stores = Object.keys(pkg.exports)
      .filter((subpath) => subpath.startsWith('./stores/'))
      .map((subpath) => `coatcheck${subpath.slice(1)}`);
    assert.deepEqual(rows.map((row) => row.entry).sort(), stores.sort());
  });

  it('names only optional peer dependencies as drivers', () => {
    for (const row of rows)
      for (const driver of row.drivers) {
        assert.ok(pkg.peerDependencies[driver], `${driver} (${row.entry}) is not a peer dependency`);
        assert.equal(pkg.peerDependenciesMeta[driver]?.optional, true, `${driver} is not optional`);
        assert.equal(pkg.dependencies?.[driver], undefined, `${driver} must not also be a dependency`);
      }
  });

  it("names every package a store's source imports, and nothing for a store that imports none", () => {
    for (const row of rows) {
      const store = row.entry.slice('coatcheck/stores/'.length);
      // These two load other stores' drivers, and say so in words.
      if (store === 'cache' || store === 'from-url') continue;
      const imported = [...packagesImportedBy(store)].sort();
      if (row.add === 'nothing')
        assert.deepEqual(imported, [], `${row.entry} imports ${imported.join(', ')}`);
      else
        for (const name of imported)
          assert.ok(row.drivers.includes(name), `${row.entry} imports ${name}, which its row does not name`);
      assert.ok(row.add === 'nothing' || row.drivers.length > 0, `${row.entry}: "${row.add}"`);
    }
  });
});
