/**
 * coatcheck on every JavaScript runtime, loaded as a published package: a fresh build installed in
 * a temporary app (package-fixture.ts), then on Node, Bun, Deno (no `--allow-env`), workerd (no
 * compatibility flags) and the Vercel edge runtime:
 * - the store conformance suite on the memory store (Node and Bun with their `node:test`; Deno,
 *   workerd and the edge runtime with the bundled stand-in, which prints `N passed, N failed`);
 * - the HTTP checks (http-checks.ts) against the Web adapter and Hono, over real HTTP.
 * Node runs in this process; the others are child processes (workerd through miniflare).
 * Bundled runtimes must get the portable `#platform/*` variants and no `node:` import at all.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createAdaptorServer } from '@hono/node-server';
import { transform } from 'esbuild';
import { HTTP_CHECKS, servingRuntime } from './http-checks.ts';
import { type PackageFixture, preparePackage } from './package-fixture.ts';
import { type Bundle, denoConformanceBundle, edgeBundle, workerdBundle } from './runtime-bundles.ts';
import {
  BIN,
  envWithout,
  type RunningServer,
  startBun,
  startDeno,
  startEdgeRuntime,
  startWorkerd,
} from './servers.ts';

const run = promisify(execFile);
const ADAPTERS = [
  { name: 'web', prefix: '/web' },
  { name: 'hono', prefix: '/hono' },
] as const;
/** The conformance suite has more tests than this (39 today); fewer means tests went missing. */
const MIN_CONFORMANCE_TESTS = 30;

/** Result of a conformance run outside node:test. */
interface ConformanceResult {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly failures: readonly { readonly name: string; readonly message: string }[];
}

function assertConformance(result: ConformanceResult): void {
  const failures = result.failures.map((f) => `  ${f.name}: ${f.message}`).join('\n');
  assert.equal(result.failed, 0, `${result.failed} failed:\n${failures}`);
  assert.ok(result.passed >= MIN_CONFORMANCE_TESTS, `only ${result.passed} conformance tests ran`);
}

/** Registers every HTTP check for both adapters against `server()` (started by a `before`). */
function describeHttpChecks(runtime: string, server: () => RunningServer): void {
  for (const adapter of ADAPTERS) {
    it(`${runtime} ${adapter.name}: the app is served by ${runtime}`, async () => {
      assert.equal(await servingRuntime(server().url, adapter.prefix), runtime);
    });
    for (const check of HTTP_CHECKS) {
      it(`${runtime} ${adapter.name}: ${check.name}`, () => check.run(server().url, adapter.prefix));
    }
  }
}

/** The bundle holds the portable variants of `#platform/*` and never the Node ones. */
function assertPortable(bundle: Bundle): void {
  for (const module of ['platform/crypto-web.js', 'platform/env-web.js']) {
    assert.ok(bundle.modules.includes(module), `${module} bundled: ${bundle.modules.join(', ')}`);
  }
  for (const module of bundle.modules) assert.doesNotMatch(module, /-node\.js$|-deno\.js$/);
}

/** A use of Node's `Buffer` or `process` globals (`globalThis.process?.…` probes are portable). */
const NODE_GLOBAL = /(?<![.\w$])(Buffer|process)\b/g;

/**
 * No coatcheck module of the bundle uses `Buffer` or `process`, on any code path: read from the
 * built files with comments stripped. The harness (testing/) and env-web.js, whose one
 * `process.env.NODE_ENV` read is there for bundlers to substitute, are the exceptions.
 */
async function assertNoNodeGlobals(bundle: Bundle): Promise<void> {
  const offenders: string[] = [];
  for (const module of bundle.modules) {
    if (module.startsWith('testing/') || module === 'platform/env-web.js') continue;
    const source = await readFile(join(fixture.packageDir, 'dist', module), 'utf8');
    const { code } = await transform(source, { loader: 'js', minifyWhitespace: true });
    for (const match of code.matchAll(NODE_GLOBAL)) {
      offenders.push(`${module}: ${code.slice(Math.max(0, match.index - 40), match.index + 40)}`);
    }
  }
  assert.deepEqual(offenders, [], 'Node-only globals on the portable path');
}

const fixture: PackageFixture = await preparePackage();
after(() => fixture.cleanup());

describe('runtime: node', () => {
  let server: Server;
  let url = '';
  before(async () => {
    // The default cookie options depend on NODE_ENV, read when the app is built.
    const saved = process.env.NODE_ENV;
    delete process.env.NODE_ENV;
    try {
      const { createApp } = (await import(pathToFileURL(`${fixture.apps}/app.js`).href)) as {
        createApp(): (request: Request) => Promise<Response>;
      };
      server = createAdaptorServer({ fetch: createApp() }) as Server;
    } finally {
      if (saved !== undefined) process.env.NODE_ENV = saved;
    }
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  describeHttpChecks('node', () => ({ url, output: () => '', stop: async () => {} }));
});

// Registers the suite (from the installed package) with this process's node:test.
await import(pathToFileURL(`${fixture.apps}/conformance.test.js`).href);

describe('runtime: bun', () => {
  let server: RunningServer;
  before(async () => {
    server = await startBun(fixture.dir);
  });
  after(() => server?.stop());

  it('bun: memory store conformance (bun test, its node:test)', async (t) => {
    const { stdout, stderr } = await run(BIN.bun, ['test', './apps/conformance.test.js'], {
      cwd: fixture.dir,
      env: envWithout('NODE_ENV'),
    }).catch((error: { stdout: string; stderr: string }) => error);
    // bun test prints its summary (" N pass", " N fail") on stderr.
    const output = `${stdout}\n${stderr}`;
    const passed = Number(/^\s*(\d+) pass$/m.exec(output)?.[1] ?? Number.NaN);
    const failed = Number(/^\s*(\d+) fail$/m.exec(output)?.[1] ?? Number.NaN);
    t.diagnostic(`bun: ${passed} passed, ${failed} failed`);
    const failures = output
      .split('\n')
      .filter((line) => line.startsWith('(fail)'))
      .map((name) => ({ name, message: 'see bun test output' }));
    assertConformance({ passed, failed, skipped: 0, failures });
  });

  describeHttpChecks('bun', () => server);
});

describe('runtime: deno', () => {
  let server: RunningServer;
  let bundle: Bundle;
  before(async () => {
    bundle = await denoConformanceBundle(fixture);
    server = await startDeno(fixture.dir);
  });
  after(() => server?.stop());

  it('deno: memory store conformance (bundled stand-in for node:test, no --allow-env)', async (t) => {
    const { stdout } = await run(BIN.deno, ['run', '--no-prompt', bundle.file], {
      cwd: fixture.dir,
      env: { ...process.env, NODE_ENV: 'development' },
    });
    const lines = stdout.trim().split('\n');
    t.diagnostic(`deno: ${lines.at(-1)}`);
    assertConformance(JSON.parse(lines.at(-2)!) as ConformanceResult);
  });

  describeHttpChecks('deno', () => server);
});

for (const [runtime, make] of [
  ['workerd', workerdBundle],
  ['edge-runtime', edgeBundle],
] as const) {
  // Checked before any server starts, so a bundle that cannot even start still says why.
  describe(`bundle: ${runtime}`, () => {
    let bundle: Bundle;
    before(async () => {
      bundle = await make(fixture);
    });

    it(`${runtime}: the bundle holds the portable #platform variants and no node: import`, () => {
      assertPortable(bundle);
    });

    it(`${runtime}: no bundled coatcheck module uses Buffer or process`, () => assertNoNodeGlobals(bundle));
  });
}

describe('runtime: workerd', () => {
  let server: RunningServer;
  before(async () => {
    server = await startWorkerd((await workerdBundle(fixture)).file);
  });
  after(() => server?.stop());

  it('workerd: memory store conformance, inside a request', async (t) => {
    const result = (await (await fetch(`${server.url}/__conformance`)).json()) as ConformanceResult;
    t.diagnostic(`workerd: ${result.passed} passed, ${result.failed} failed`);
    assertConformance(result);
  });

  describeHttpChecks('workerd', () => server);
});

describe('runtime: edge-runtime', () => {
  let server: RunningServer;
  before(async () => {
    server = await startEdgeRuntime(fixture.dir, (await edgeBundle(fixture)).file);
  });
  after(() => server?.stop());

  it('edge-runtime: memory store conformance, inside a request', async (t) => {
    const result = (await (await fetch(`${server.url}/__conformance`)).json()) as ConformanceResult;
    t.diagnostic(`edge-runtime: ${result.passed} passed, ${result.failed} failed`);
    assertConformance(result);
  });

  describeHttpChecks('edge-runtime', () => server);
});
