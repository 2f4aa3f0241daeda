/**
 * The shape of the source tree's imports: no cycles anywhere in src/ (type-only imports included,
 * since a type cycle is still two modules that cannot be understood apart), and core never imports
 * an adapter, a store, the CLI or the testing kit (only the runtime shims of src/platform, which
 * import nothing of coatcheck's but their own contracts). Read from the files' import statements.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Relative imports and re-exports of one file, as absolute paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/g)) {
    found.push(resolve(dirname(file), match[1]!));
  }
  for (const match of text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g))
    found.push(resolve(dirname(file), match[1]!));
  return found;
}

const graph = new Map(sourceFiles(src).map((file) => [file, importsOf(file)]));
const name = (file: string) => relative(src, file);

test('src/ has no import cycle (type-only imports included)', () => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].map(name).join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepStrictEqual(cycles, []);
  assert.ok(graph.size > 50, `read ${graph.size} files`);
});

test('core imports no adapter, store, CLI or testing module; platform shims import only each other', () => {
  const core = join(src, 'core');
  const platform = join(src, 'platform');
  const escaping = [...graph]
    .filter(([file]) => file.startsWith(platform))
    .flatMap(([file, imports]) =>
      imports.filter((t) => !t.startsWith(platform)).map((t) => `${name(file)} → ${name(t)}`),
    );
  assert.deepStrictEqual(escaping, []);
  const outside = [...graph]
    .filter(([file]) => file.startsWith(core))
    .flatMap(([file, imports]) =>
      imports
        .filter((target) => !target.startsWith(core) && !target.startsWith(platform))
        .map((t) => `${name(file)} → ${name(t)}`),
    );
  assert.deepStrictEqual(outside, []);
});

test('a store imports no adapter, and an adapter no store', () => {
  const crossing = [...graph].flatMap(([file, imports]) =>
    imports
      .filter(
        (target) =>
          (file.startsWith(join(src, 'stores')) && target.startsWith(join(src, 'adapters'))) ||
          (file.startsWith(join(src, 'adapters')) && target.startsWith(join(src, 'stores'))),
      )
      .map((target) => `${name(file)} → ${name(target)}`),
  );
  assert.deepStrictEqual(crossing, []);
});
