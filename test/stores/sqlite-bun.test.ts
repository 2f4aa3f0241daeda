/**
 * The SQLite store on Bun, over `bun:sqlite`: bun/sqlite-conformance.bun.ts run by the installed
 * `bun test` (Bun's own node:test), from source, so the `bun` condition of src/package.json's
 * `#platform/sqlite-open` is what picks the driver for a path. Reports Bun's counts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
/** Two conformance runs of 40 tests each and one specific test; fewer means tests went missing. */
const MIN_TESTS = 81;

it('sqlite(bun): the conformance suite passes on Bun with bun:sqlite, handle and path', async (t) => {
  const bun = join(here, '../../node_modules/.bin/bun');
  const { stdout, stderr } = await run(bun, ['test', './bun/sqlite-conformance.bun.ts'], {
    cwd: here,
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout: string; stderr: string }) => error);
  // bun test prints its summary (" N pass", " N fail") and each failure ("(fail) …") on stderr.
  const output = `${stdout}\n${stderr}`;
  const passed = Number(/^\s*(\d+) pass$/m.exec(output)?.[1] ?? Number.NaN);
  const failed = Number(/^\s*(\d+) fail$/m.exec(output)?.[1] ?? Number.NaN);
  t.diagnostic(`bun: ${passed} passed, ${failed} failed`);
  const failures = output.split('\n').filter((line) => line.startsWith('(fail)'));
  assert.equal(failed, 0, `failed on Bun:\n${failures.join('\n')}\n${output.slice(-2000)}`);
  assert.ok(passed >= MIN_TESTS, `only ${passed} tests ran on Bun:\n${output.slice(-2000)}`);
});
