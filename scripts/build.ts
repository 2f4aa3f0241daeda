/**
 * `npm run build` (and `prepack`): a clean dist/ with the ESM build and its CommonJS face.
 *
 * 1. dist/ is removed, so a deleted source file never ships as a stale build.
 * 2. `tsc -p tsconfig.build.json` emits dist/**.js and .d.ts, one file per source file (ESM, no
 *    source maps: they would point at src/, which the package does not ship).
 * 3. dist/cjs/ is the `require` condition of every entry in package.json `exports`: a
 *    `{"type":"commonjs"}` package.json, one shim per entry that requires the ESM module (Node's
 *    require(esm), unflagged in 20.19 and 22.12) and re-exports its names, and a copy of every
 *    declaration file, which that package.json makes CommonJS declarations for TypeScript's
 *    `node16`/`nodenext` (and, through `typesVersions`, `node10`) resolution. The CLI (a program,
 *    not an API) keeps no declarations.
 *
 * Why shims and not a second, CommonJS compilation: there is one copy of each module at run time,
 * whichever way it was loaded, so `instanceof ConfigError`, the `Session` class's private state and
 * module-level state hold even in an app that mixes `require` and `import` (the dual-package hazard
 * a second build would bring). The costs: `require` needs Node ^20.19 or ≥ 22.12 (hence `engines`),
 * and a top-level `await` anywhere in an entry's static import graph would make `require` of it
 * throw ERR_REQUIRE_ASYNC_MODULE (test/package/tarball.test.ts requires every entry).
 * Pointing `require` at the ESM files and their .d.ts directly also runs, but TypeScript
 * (`module: node16`, from CommonJS) then refuses the import (TS1479) and are-the-types-wrong reports
 * every entry as "ESM (dynamic import only)".
 *
 *   node --import tsx scripts/build.ts
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = join(root, 'dist');
const cjs = join(dist, 'cjs');

/** One `exports` subpath with both conditions, as package.json spells it. */
export interface EntryTargets {
  readonly import: { readonly types: string; readonly default: string };
  readonly require: { readonly types: string; readonly default: string };
}

/** The entries of package.json `exports` that are modules (not `./package.json`). */
export function moduleEntries(exportsField: Record<string, unknown>): [string, EntryTargets][] {
  return Object.entries(exportsField).filter(
    (entry): entry is [string, EntryTargets] => typeof entry[1] === 'object' && entry[1] !== null,
  );
}

/**
 * The shim that makes the ESM file `esmFile` loadable with `require` from `shimFile`: it requires
 * the ESM module (one copy, shared with `import`) and names each export, so tools that read
 * CommonJS statically (are-the-types-wrong, cjs-module-lexer) see the same names as the types.
 */
export function shimSource(shimFile: string, esmFile: string, names: readonly string[]): string {
  let target = relative(dirname(shimFile), esmFile).split(sep).join('/');
  if (!target.startsWith('.')) target = `./${target}`;
  const lines = [
    "'use strict';",
    '// require(esm) of the one ESM copy of this module: require and import share its classes and state.',
    `const esm = require(${JSON.stringify(target)});`,
    "Object.defineProperty(exports, '__esModule', { value: true });",
    ...names.map((name) => {
      if (!/^[A-Za-z_$][\w$]*$/.test(name))
        throw new Error(`${esmFile}: export "${name}" is not an identifier`);
      return `exports.${name} = esm.${name};`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}

function compile(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error('build: tsc failed; nothing to pack');
    process.exit(result.status ?? 1);
  }
}

/** Writes dist/cjs/ from the ESM build and package.json `exports`; returns the number of shims. */
export async function writeCommonJsFace(): Promise<number> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, unknown>;
  };
  mkdirSync(cjs, { recursive: true });
  writeFileSync(join(cjs, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
  // Every declaration file, so the shims' types import each other as CommonJS declarations.
  for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.d.ts') || file.startsWith(`cjs${sep}`)) continue;
    // The CLI is a program, not an API: no declarations for it.
    if (file.startsWith(`cli${sep}`)) {
      rmSync(join(dist, file));
      continue;
    }
    mkdirSync(dirname(join(cjs, file)), { recursive: true });
    copyFileSync(join(dist, file), join(cjs, file));
  }
  const entries = moduleEntries(pkg.exports);
  for (const [subpath, targets] of entries) {
    const shim = join(root, targets.require.default);
    const esm = join(root, targets.import.default);
    if (!shim.startsWith(`${cjs}${sep}`))
      throw new Error(`${subpath}: the require target must live in dist/cjs/`);
    const names = Object.keys((await import(pathToFileURL(esm).href)) as object).sort();
    mkdirSync(dirname(shim), { recursive: true });
    writeFileSync(shim, shimSource(shim, esm, names));
  }
  return entries.length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync(dist, { recursive: true, force: true });
  compile();
  const count = await writeCommonJsFace();
  console.log(`build: dist/ (ESM) and dist/cjs/ (${count} require shims, CommonJS declarations)`);
}
