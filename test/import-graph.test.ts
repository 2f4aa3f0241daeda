/**
 * Importing `coatcheck` or any adapter loads no database driver and no framework other than the
 * adapter's own. Each entry point is imported in a fresh child process that records every module
 * it loads two ways: an ESM `resolve` hook registered with `module.register` (it sees every
 * `import`, static or dynamic) and, at the end, `require.cache` (every CommonJS module, including
 * those an ES module imported). A package counts as loaded when any file under
 * `node_modules/<package>/` shows up in either list.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

const DRIVERS = [
  'better-sqlite3',
  'ioredis',
  'redis',
  '@redis/client',
  'pg',
  'mysql2',
  'memcache-client',
  '@aws-sdk/client-dynamodb',
  'kysely',
  'drizzle-orm',
];
const FRAMEWORKS = ['express', 'express4', 'fastify', 'hono', '@hono/node-server', 'koa', 'koa2'];
/** Optional peers that only their own entry point may load. */
const OPTIONAL = ['@opentelemetry/api'];

/** Entry points and the one framework each may load. */
const ENTRIES: ReadonlyArray<{ name: string; file: string; allowed: readonly string[] }> = [
  { name: 'coatcheck', file: 'src/index.ts', allowed: [] },
  { name: 'coatcheck/node', file: 'src/adapters/node.ts', allowed: [] },
  { name: 'coatcheck/web', file: 'src/adapters/web.ts', allowed: [] },
  { name: 'coatcheck/express', file: 'src/adapters/express.ts', allowed: [] },
  { name: 'coatcheck/express-session', file: 'src/adapters/express-session.ts', allowed: [] },
  { name: 'coatcheck/fastify', file: 'src/adapters/fastify.ts', allowed: [] },
  { name: 'coatcheck/hono', file: 'src/adapters/hono.ts', allowed: ['hono'] },
  { name: 'coatcheck/koa', file: 'src/adapters/koa.ts', allowed: [] },
  { name: 'coatcheck/otel', file: 'src/otel.ts', allowed: ['@opentelemetry/api'] },
  // The SDK is its driver, but it loads it on the first call, not at import.
  { name: 'coatcheck/stores/dynamodb', file: 'src/stores/dynamodb.ts', allowed: [] },
  // The runtime stores take a binding or handle and import nothing of their runtime.
  { name: 'coatcheck/stores/d1', file: 'src/stores/d1.ts', allowed: [] },
  { name: 'coatcheck/stores/kv', file: 'src/stores/kv.ts', allowed: [] },
  { name: 'coatcheck/stores/deno-kv', file: 'src/stores/deno-kv.ts', allowed: [] },
  // The ORM stores load their ORM at first use, never at import.
  { name: 'coatcheck/stores/kysely', file: 'src/stores/kysely.ts', allowed: [] },
  { name: 'coatcheck/stores/drizzle', file: 'src/stores/drizzle.ts', allowed: [] },
  // A table definition for the app's Drizzle schema is made of Drizzle: that one loads it.
  { name: 'coatcheck/stores/drizzle/pg', file: 'src/stores/drizzle/pg.ts', allowed: ['drizzle-orm'] },
];

// Runs in the loader thread: appends every resolved URL to the log file, synchronously, so the
// list is complete by the time the import that triggered it settles.
const HOOKS = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, result.url + '\\n');
  return result;
}`;

/** The packages under node_modules that `files` name (scoped packages keep their scope). */
function packagesIn(files: readonly string[]): Set<string> {
  const found = new Set<string>();
  for (const file of files) {
    const normalized = file.replaceAll('\\', '/');
    const at = normalized.lastIndexOf('/node_modules/');
    if (at === -1) continue;
    const parts = normalized.slice(at + '/node_modules/'.length).split('/');
    const name = parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    if (name) found.add(name);
  }
  return found;
}

async function loadedBy(file: string, dir: string): Promise<{ packages: Set<string>; modules: number }> {
  const log = join(dir, `${file.replaceAll('/', '_')}.log`);
  const script = `
import { register, createRequire } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { log: ${JSON.stringify(log)} } });
await import(${JSON.stringify(pathToFileURL(join(root, file)).href)});
const require = createRequire(import.meta.url);
process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
  });
  const cjs = JSON.parse(stdout) as string[];
  const esm = (await readFile(log, 'utf8'))
    .split('\n')
    .filter((line) => line.startsWith('file:'))
    .map((url) => fileURLToPath(url));
  return { packages: packagesIn([...cjs, ...esm]), modules: esm.length + cjs.length };
}

describe('import graph', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coatcheck-imports-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('the recorder sees a framework that is really imported (the check can fail)', async () => {
    const { packages } = await loadedBy('test/http/apps/hono.ts', dir);
    assert.ok(packages.has('hono'), `hono not seen in ${[...packages].join(', ')}`);
    assert.ok(packages.has('@hono/node-server'));
  });

  it('the recorder sees @opentelemetry/api when coatcheck/otel imports it', async () => {
    const { packages } = await loadedBy('src/otel.ts', dir);
    assert.ok(packages.has('@opentelemetry/api'), `not seen in ${[...packages].join(', ')}`);
  });

  for (const entry of ENTRIES) {
    it(`${entry.name} loads no driver and no other framework`, async () => {
      const { packages, modules } = await loadedBy(entry.file, dir);
      assert.ok(modules > 0, 'the recorder saw the entry point load');
      for (const driver of DRIVERS) {
        if (!entry.allowed.includes(driver))
          assert.ok(!packages.has(driver), `${entry.name} loaded ${driver}`);
      }
      for (const framework of [...FRAMEWORKS, ...OPTIONAL]) {
        if (entry.allowed.includes(framework)) continue;
        assert.ok(!packages.has(framework), `${entry.name} loaded ${framework}`);
      }
    });
  }
});
