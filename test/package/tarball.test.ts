/**
 * The package as users get it: `npm pack` (which runs `prepack`, the build), then the tarball
 * installed with npm into a scratch CommonJS app and a scratch ESM app in a temp dir, each run with
 * Node: every subpath loads with `require` / `import` and exports what its source exports, sessions
 * over the memory and the SQLite store survive a commit round trip, the `coatcheck` bin runs, and a
 * CommonJS TypeScript project type-checks against the shipped types (`module: node16` and
 * `module: commonjs`).
 *
 * Installs are `--offline --ignore-scripts`: the tarball has no install step of its own, and the
 * peers (better-sqlite3, whose native build takes minutes; hono; @opentelemetry/api; drizzle-orm, which the Drizzle table definitions are made of; next, which coatcheck/next imports; @sveltejs/kit, whose types coatcheck/sveltekit's declarations name; @types/node) are linked from this
 * checkout's node_modules, where `npm ci` already installed and built them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { moduleEntries } from '../../scripts/build.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
  bin: Record<string, string>;
  dependencies?: Record<string, string>;
};
const entries = moduleEntries(pkg.exports);
const subpaths = entries.map(([subpath]) => subpath);
const specifier = (subpath: string) => `coatcheck${subpath.slice(1)}`;
/**
 * Linked into both apps from this checkout: some peers, and the package's own dependencies. The
 * install is offline, and a fresh machine after `npm ci` has the dependencies' tarballs cached but
 * not their registry metadata, which resolving a range from the tarball's package.json would need.
 */
const LINKED = [
  'better-sqlite3',
  'hono',
  '@opentelemetry/api',
  'drizzle-orm',
  'next',
  '@sveltejs/kit',
  '@types/node',
  ...Object.keys(pkg.dependencies ?? {}),
];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NODE_ENV: 'test', npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(command: string, args: readonly string[], cwd: string): Promise<Run> {
  const result = await run(command, args, cwd);
  assert.equal(result.code, 0, `${command} ${args.join(' ')} failed:\n${result.stderr}\n${result.stdout}`);
  return result;
}

/**
 * The app both module systems run, as a template: `LOAD(specifier)` becomes `require(...)` or
 * `await import(...)`. It prints one JSON line: each subpath's export names, what the memory and
 * the SQLite round trips read back, and whether `require` and `import` share one module copy.
 */
function appSource(kind: 'cjs' | 'esm', database: string): string {
  const load = (spec: string) => (kind === 'cjs' ? `require(${spec})` : `(await import(${spec}))`);
  const body = `
const subpaths = ${JSON.stringify(subpaths.map(specifier))};
const names = {};
for (const spec of subpaths) names[spec] = Object.keys(${load('spec')}).sort();
const { createSessions } = ${load("'coatcheck'")};
const { memoryStore } = ${load("'coatcheck/stores/memory'")};
const { sqliteStore } = ${load("'coatcheck/stores/sqlite'")};

async function roundTrip(store) {
  const sessions = createSessions({ store, cookie: { secure: false } });
  const first = sessions.load({ cookie: undefined });
  await first.set('cart', ['Hat', 'Scarf']);
  const { setCookie } = await sessions.commit(first, { status: 200 });
  const second = sessions.load({ cookie: setCookie.split(';')[0] });
  const cart = await second.get('cart');
  await sessions.close();
  return { cookie: setCookie.split('=')[0], cart };
}

const memory = await roundTrip(memoryStore());
const sqlite = await roundTrip(sqliteStore({ database: ${JSON.stringify(database)} }));
const viaImport = await import('coatcheck');
const shared = viaImport.ConfigError === ${load("'coatcheck'")}.ConfigError;
console.log(JSON.stringify({ names, memory, sqlite, shared }));
`;
  return kind === 'cjs' ? `'use strict';\n(async () => {${body}})();\n` : body;
}

/** A CommonJS TypeScript file that uses the types of several entries, and proves they are not `any`. */
const TYPES_CHECK = `import { createSessions, type Store } from 'coatcheck';
import { memoryStore } from 'coatcheck/stores/memory';
import { sqliteStore } from 'coatcheck/stores/sqlite';
import { withSessions } from 'coatcheck/node';
import { describeStoreConformance } from 'coatcheck/testing';

const store: Store = memoryStore();
const sessions = createSessions<{ visits: number }>({ store });
export const visits: Promise<number | undefined> = sessions.load({ cookie: undefined }).get('visits');
// @ts-expect-error the session data is typed: visits is a number
export const wrong: Promise<string | undefined> = sessions.load({ cookie: undefined }).get('visits');
export { sqliteStore, withSessions, describeStoreConformance };
`;

describe('the packed tarball', { timeout: 180_000 }, () => {
  let dir: string;
  let files: string[];
  const apps = { cjs: '', esm: '' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coatcheck-tarball-'));
    const packed = await ok('npm', ['pack', '--json', '--pack-destination', dir], root);
    // The build (prepack) prints to stdout too: the JSON report is the last thing npm writes.
    const report = JSON.parse(packed.stdout.slice(Math.max(0, packed.stdout.lastIndexOf('\n[') + 1))) as [
      { filename: string; files: { path: string }[] },
    ];
    files = report[0].files.map((file) => file.path).sort();
    const tarball = join(dir, report[0].filename);
    const peers = LINKED.map((name) => join(root, 'node_modules', name));
    await Promise.all(
      (['cjs', 'esm'] as const).map(async (kind) => {
        const app = join(dir, `${kind}-app`);
        apps[kind] = app;
        mkdirSync(app);
        const type = kind === 'cjs' ? 'commonjs' : 'module';
        writeFileSync(
          join(app, 'package.json'),
          JSON.stringify({ name: `${kind}-app`, private: true, type }),
        );
        await ok(
          'npm',
          ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball, ...peers],
          app,
        );
        writeFileSync(join(app, 'app.js'), appSource(kind, join(app, 'sessions.db')));
      }),
    );
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('holds every file the exports and the bin name', () => {
    const named = [
      ...moduleEntries(pkg.exports).flatMap(([, t]) => [
        t.import.types,
        t.import.default,
        t.require.types,
        t.require.default,
      ]),
      ...Object.values(pkg.bin),
      'dist/cjs/package.json',
    ].map((path) => path.replace(/^\.\//, ''));
    for (const path of named) assert.ok(files.includes(path), `${path} is missing from the tarball`);
  });

  test('holds nothing else: no tests, no source maps, no stale build output, no CLI declarations', () => {
    const allowed =
      /^(package\.json|README\.md|SECURITY\.md|LICENSE|bin\/coatcheck\.js|dist\/.+\.(js|d\.ts)|dist\/cjs\/package\.json)$/;
    for (const path of files) {
      assert.match(path, allowed, `${path} should not ship`);
      assert.doesNotMatch(path, /\.test\.|(^|\/)test\/|\.map$|^dist\/(cjs\/)?cli\/.*\.d\.ts$/, path);
      // A file whose source is gone must not ship (the build starts from an empty dist/).
      const esm = path.match(/^dist\/(?!cjs\/)(.+)\.js$/);
      if (esm) assert.ok(existsSync(join(root, 'src', `${esm[1]}.ts`)), `${path} has no source`);
      const types = path.match(/^dist\/(cjs\/)?(.+)\.d\.ts$/);
      if (types) assert.ok(files.includes(`dist/${types[2]}.js`), `${path} declares no shipped module`);
    }
  });

  for (const kind of ['cjs', 'esm'] as const) {
    const label = kind === 'cjs' ? 'a CommonJS app (require)' : 'an ESM app (import)';
    test(`${label}: every subpath loads with its source's export names; memory and SQLite round trips`, async () => {
      const result = await ok(process.execPath, ['app.js'], apps[kind]);
      const out = JSON.parse(result.stdout) as {
        names: Record<string, string[]>;
        memory: { cookie: string; cart: unknown };
        sqlite: { cookie: string; cart: unknown };
        shared: boolean;
      };
      // The same names as the source entries (which exports.test.ts holds to the snapshot).
      const expected: Record<string, string[]> = {};
      for (const [subpath, targets] of entries) {
        const source = targets.import.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
        expected[specifier(subpath)] = Object.keys(await import(join(root, source))).sort();
      }
      assert.deepEqual(out.names, expected);
      assert.deepEqual(out.memory, { cookie: 'sid', cart: ['Hat', 'Scarf'] });
      assert.deepEqual(out.sqlite, { cookie: 'sid', cart: ['Hat', 'Scarf'] });
      assert.equal(out.shared, true, 'require and import share one copy of each module');
      assert.ok(existsSync(join(apps[kind], 'sessions.db')), 'the SQLite store wrote its file');
    });
  }

  test('the coatcheck bin runs from the installed package (dist/, no tsx)', async () => {
    const bin = join(apps.cjs, 'node_modules', '.bin', 'coatcheck');
    const help = await ok(bin, ['--help'], apps.cjs);
    assert.match(help.stdout, /^Usage: coatcheck <command>/);
    const stats = await ok(bin, ['stats', '--store', 'memory:', '--json'], apps.cjs);
    assert.equal((JSON.parse(stats.stdout) as { store: string }).store, 'memory');
  });

  test('a CommonJS TypeScript project type-checks against the shipped types (node16 and commonjs)', async () => {
    const app = apps.cjs;
    writeFileSync(join(app, 'check.ts'), TYPES_CHECK);
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const common = [
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      '--target',
      'es2022',
      '--types',
      'node',
      'check.ts',
    ];
    const [node16, commonjs] = await Promise.all([
      run(process.execPath, [tsc, '--module', 'node16', ...common], app),
      run(process.execPath, [tsc, '--module', 'commonjs', ...common], app),
    ]);
    assert.equal(node16.code, 0, `module node16:\n${node16.stdout}`);
    assert.equal(commonjs.code, 0, `module commonjs (node10 resolution):\n${commonjs.stdout}`);
  });
});
