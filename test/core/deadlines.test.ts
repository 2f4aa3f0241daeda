/**
 * Store-call deadlines (one timer per timeout length): every call still fails at its own
 * deadline, settled calls never fail later, and the timer does not keep a process alive.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { StoreUnavailableError } from '../../src/core/errors.ts';
import { callStore } from '../../src/core/store-call.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const never = () => new Promise<never>(() => {});

/** When (ms after `start`) `call` rejects with StoreUnavailableError. */
async function rejectedAt(call: Promise<unknown>, start: number): Promise<number> {
  await assert.rejects(call, StoreUnavailableError);
  return performance.now() - start;
}

describe('store-call deadlines', () => {
  it('calls started at different times each fail at their own deadline, in order', async () => {
    const start = performance.now();
    const first = rejectedAt(callStore('test', 'get', 120, never), start);
    await sleep(60);
    const second = rejectedAt(callStore('test', 'get', 120, never), start);
    const [a, b] = await Promise.all([first, second]);
    assert.ok(a >= 115 && a < 175, `first failed after ${a.toFixed(0)} ms, deadline 120`);
    assert.ok(b >= 175 && b < 240, `second failed after ${b.toFixed(0)} ms, deadline 180`);
  });

  it('a call that settles in time is never failed by its deadline', async () => {
    const late = callStore('test', 'get', 40, never);
    const quick = callStore('test', 'get', 40, async () => 'value');
    assert.equal(await quick, 'value');
    await assert.rejects(late, /did not answer `get` within 40 ms/);
    // The same queue keeps serving after it emptied.
    assert.equal(await callStore('test', 'get', 40, async () => 2), 2);
    await assert.rejects(callStore('test', 'get', 40, never), StoreUnavailableError);
  });

  it('a pending call keeps a process alive until its deadline; a settled one does not hold it', () => {
    const module = JSON.stringify(fileURLToPath(new URL('../../src/core/store-call.ts', import.meta.url)));
    const run = (body: string) => {
      const started = performance.now();
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', `import { callStore } from ${module}; ${body}`],
        { timeout: 30_000, encoding: 'utf8' },
      );
      assert.equal(child.status, 0, child.stderr);
      return { ms: performance.now() - started, out: child.stdout };
    };
    const pending = run(
      "callStore('t', 'get', 3000, () => new Promise(() => {})).catch((e) => console.log(e.code));",
    );
    assert.equal(pending.out.trim(), 'COATCHECK_STORE_UNAVAILABLE', 'it waited for the deadline and failed');
    const settled = run("await callStore('t', 'get', 20000, async () => 1); console.log('done');");
    assert.equal(settled.out.trim(), 'done');
    assert.ok(
      settled.ms < pending.ms + 5000,
      `a settled call held the process (${settled.ms.toFixed(0)} ms)`,
    );
    assert.ok(settled.ms < 15_000, 'exited without waiting for the 20 s deadline');
  });
});
