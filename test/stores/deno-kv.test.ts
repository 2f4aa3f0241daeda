/**
 * Deno KV store on Deno's own local KV: suite.deno.ts (the conformance suite and the store's
 * specifics) bundled with `node:test` redirected to the stand-in that runs async suites, then run
 * by the installed `deno` with `--unstable-kv` and no other permission. Reports Deno's counts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { bundleDocExample } from '../support/doc-example.ts';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const deno = join(here, '../../node_modules/.bin/deno');
const dir = mkdtempSync(join(tmpdir(), 'coatcheck-deno-kv-'));
after(() => rmSync(dir, { recursive: true, force: true }));
/** The conformance suite has 40 tests today and the specifics 4; fewer means some went missing. */
const MIN_TESTS = 40;

it('deno-kv: conformance and specifics pass on Deno with Deno.openKv(":memory:")', async (t) => {
  const outfile = join(dir, 'suite.js');
  await build({
    entryPoints: [join(here, 'deno-kv/suite.deno.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['deno'],
    target: 'es2022',
    logLevel: 'silent',
    alias: { 'node:test': join(here, '../runtimes/harness/mini-test.ts') },
  });
  const { stdout } = await run(deno, ['run', '--unstable-kv', '--no-prompt', outfile], {
    cwd: dir,
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [json = '{}'] = stdout.trim().split('\n').slice(-2);
  const result = JSON.parse(json) as {
    passed: number;
    failed: number;
    failures: { name: string; message: string }[];
  };
  t.diagnostic(`deno: ${result.passed} passed, ${result.failed} failed`);
  const failures = result.failures.map((f) => `  ${f.name}: ${f.message}`).join('\n');
  assert.equal(result.failed, 0, `${result.failed} failed on Deno:\n${failures}`);
  assert.ok(result.passed >= MIN_TESTS, `only ${result.passed} tests ran on Deno`);
});

it('deno-kv: the example in docs/stores/deno-kv.md runs on Deno', async () => {
  const example = await bundleDocExample('docs/stores/deno-kv.md', dir, ['deno'], 'node');
  const { stdout } = await run(deno, ['run', '--unstable-kv', '--no-prompt', example], {
    cwd: dir,
    timeout: 60_000,
  });
  assert.equal(stdout, 'visit 1\nvisit 2\n\n');
});

it("deno-kv: Deno's own Deno.Kv type fits the store's option with no cast (deno check)", async () => {
  const file = join(dir, 'kv-type.ts');
  const store = new URL('../../src/stores/deno-kv.ts', import.meta.url).href;
  writeFileSync(
    file,
    `import { denoKvStore } from '${store}';\nconst kv: Deno.Kv = await Deno.openKv(':memory:');\nawait denoKvStore({ kv }).close();\n`,
  );
  // Rejects with deno's diagnostics when the structural type drifts from Deno's declarations.
  await run(deno, ['check', '--unstable-kv', file], { cwd: dir, timeout: 120_000 });
});
