/**
 * A slow or blackholed store, through the fault proxy: requests fail at the store timeout instead
 * of hanging, store calls do not pile up without bound, memory stays bounded, and the app recovers
 * when the link heals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, startFaultApp, untilServed } from '../support/fault-app.ts';
import { pendingStore } from '../support/fault-pending-store.ts';
import { type Backend, networkTargets } from '../support/fault-targets.ts';

const STORE_TIMEOUT = 300;
const DRIVER_TIMEOUT = 1000;
const PROXY_DELAY = 4000;

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
}

for (const target of await networkTargets()) {
  describe(`slow store [${target.name}]`, target.skip === undefined ? {} : { skip: target.skip }, () => {
    let backend: Backend;
    before(async () => {
      backend = await target.setup();
    });
    after(async () => {
      await backend?.destroy();
    });

    it(`[${target.name}] slow and blackholed store: 503 at the timeout, bounded pending calls and memory, recovery`, async (t) => {
      const opened = await backend.openStore({ driverTimeoutMs: DRIVER_TIMEOUT });
      const store = pendingStore(opened.store);
      const app = await startFaultApp({ store, storeTimeout: STORE_TIMEOUT });
      try {
        const warm = new Browser(app.url);
        assert.equal((await warm.send('/write?x=1')).status, 200, 'healthy before the fault');

        // Every answer arrives long before the delayed store would have answered.
        await backend.proxy.set('delay', PROXY_DELAY);
        const slow = await Promise.all(
          Array.from({ length: 10 }, async () => {
            const started = Date.now();
            const answer = await new Browser(app.url).send('/write?x=1');
            return { status: answer.status, elapsed: Date.now() - started };
          }),
        );
        assert.deepEqual(
          slow.map((s) => s.status),
          Array(10).fill(503),
        );
        for (const { elapsed } of slow)
          assert.ok(elapsed < PROXY_DELAY - 500, `answered after ${elapsed} ms`);
        const existing = await warm.send('/read');
        assert.equal(existing.status, 503, 'an existing session also gets 503, not a fresh session');
        assert.ok(warm.cookie, 'and keeps its cookie');

        // A blackhole under sustained traffic: 2 waves of 150 requests, 30 at a time.
        await backend.proxy.set('blackhole');
        const before = process.memoryUsage().heapUsed;
        let answered = 0;
        for (let wave = 0; wave < 2; wave++) {
          for (let batch = 0; batch < 5; batch++) {
            const answers = await Promise.all(
              Array.from({ length: 30 }, () => new Browser(app.url).send(`/write?w${wave}=${batch}`)),
            );
            assert.ok(answers.every((a) => a.status === 503));
            answered += answers.length;
          }
        }
        const growth = process.memoryUsage().heapUsed - before;
        t.diagnostic(
          `${answered} blackholed requests: peak pending store calls ${store.peak()}, heap growth ${(growth / 1e6).toFixed(1)} MB, proxy connections ${backend.proxy.accepted}`,
        );
        assert.ok(growth < 64e6, `heap grew ${growth} bytes`);
        // The driver gives up on its own timeout: nothing stays queued while the link is still dead.
        assert.ok(
          await waitFor(() => store.pending() === 0, DRIVER_TIMEOUT * 6),
          `store calls still pending after the traffic stopped: ${store.pending()}`,
        );

        // The link heals (dead connections are reset, as a real network would eventually do).
        backend.proxy.cut();
        await backend.proxy.set('forward');
        const back = await untilServed(() => warm.send('/read'));
        assert.equal(back.status, 200, 'recovers without restarting the app');
        assert.deepEqual(back.data, { x: '1' }, 'the session written before the fault is intact');
      } finally {
        await backend.proxy.set('forward');
        await app.close();
        await opened.cleanup();
      }
    });
  });
}
