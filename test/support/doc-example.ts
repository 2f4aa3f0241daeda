/**
 * Running a store page's example (the first ```ts block of docs/stores/<name>.md) as written, on
 * the runtime it is for: bundled with esbuild, `coatcheck` and its subpaths resolved to src/
 * through package.json `exports`, with that runtime's export conditions.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The first TypeScript block of `doc` (a path under docs/). */
export function docExample(doc: string): string {
  const text = readFileSync(join(root, doc), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(text)?.[1];
  if (example === undefined) throw new Error(`${doc} has no ts example`);
  return example;
}

/** `coatcheck[/subpath]` → the source file its `import` target is built from. */
function coatcheckFromSource(): Plugin {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, { import?: { default?: string } } | string>;
  };
  return {
    name: 'coatcheck-from-source',
    setup(b) {
      b.onResolve({ filter: /^coatcheck(\/.*)?$/ }, (args) => {
        const entry = pkg.exports[`.${args.path.slice('coatcheck'.length)}`];
        const target = typeof entry === 'object' ? entry.import?.default : undefined;
        if (target === undefined) return { errors: [{ text: `no export ${args.path}` }] };
        return { path: join(root, target.replace('./dist/', 'src/').replace(/\.js$/, '.ts')) };
      });
    },
  };
}

/** Bundles `doc`'s example into `dir` as one ES module for a runtime with `conditions`; returns its path. */
export async function bundleDocExample(
  doc: string,
  dir: string,
  conditions: string[],
  platform: 'browser' | 'node' = 'browser',
): Promise<string> {
  const entry = join(dir, 'example.ts');
  writeFileSync(entry, docExample(doc));
  const outfile = join(dir, 'example.bundle.js');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform,
    format: 'esm',
    conditions,
    target: 'es2022',
    logLevel: 'silent',
    define: platform === 'browser' ? { 'process.env.NODE_ENV': '"production"' } : {},
    plugins: [coatcheckFromSource()],
  });
  return outfile;
}
