/**
 * Scale of the embedded stores (not a speed test): N sessions, half of them expired, one purge.
 * Exactly half must remain; the purge time and the longest event-loop stall during the purge
 * (perf_hooks.monitorEventLoopDelay) are printed, with only a generous sanity bound on the stall.
 *
 * N is 100 000 with COATCHECK_FULL_SCALE=1 and 10 000 otherwise, so `npm test` stays quick.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import type { Store } from '../../src/core/store.ts';
import { fsStore } from '../../src/stores/fs.ts';
import { sqliteStore } from '../../src/stores/sqlite.ts';
import { expiredRecord, randomKey, sampleRecord } from '../../src/testing/records.ts';

const N = process.env.COATCHECK_FULL_SCALE === '1' ? 100_000 : 10_000;
const STALL_BOUND_MS = 2_000;
const root = mkdtempSync(join(tmpdir(), 'coatcheck-scale-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Creates N sessions, every other one already expired, `parallel` at a time. */
async function fill(store: Store, parallel: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < N) {
      const i = next++;
      const record =
        i % 2 === 0 ? expiredRecord({ userId: i % 10 === 0 ? `u${i % 1000}` : null }) : sampleRecord();
      assert.equal(await store.create(randomKey(), record), true);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

async function measure(
  name: string,
  store: Store & Required<Pick<Store, 'purgeExpired' | 'count'>>,
  parallel: number,
) {
  const fillStart = performance.now();
  await fill(store, parallel);
  const fillMs = performance.now() - fillStart;
  assert.equal(await store.count(), N);
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const start = performance.now();
  const removed = await store.purgeExpired();
  const purgeMs = performance.now() - start;
  histogram.disable();
  const maxStallMs = histogram.max / 1e6;
  console.log(
    `# ${name}: ${N} sessions created in ${(fillMs / 1000).toFixed(1)} s; purge of ${removed} took ${(purgeMs / 1000).toFixed(2)} s, longest event-loop stall ${maxStallMs.toFixed(1)} ms`,
  );
  assert.equal(removed, N / 2);
  assert.equal(await store.count(), N / 2);
  assert.ok(maxStallMs < STALL_BOUND_MS, `the event loop stalled ${maxStallMs} ms`);
  await store.close();
}

describe(`embedded stores at scale (${N} sessions)`, () => {
  it(`sqlite: ${N} sessions, half expired, purge leaves exactly half`, async () => {
    await measure('sqlite', sqliteStore({ database: join(root, 'scale.db'), pruneIntervalMs: 0 }), 1);
  });

  it(`fs: ${N} sessions, half expired, purge leaves exactly half`, async () => {
    await measure('fs', fsStore({ directory: join(root, 'scale-dir'), pruneIntervalMs: 0 }), 32);
  });
});
