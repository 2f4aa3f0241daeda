/**
 * Store outages as a user sees them: a store down at start-up, and a store that crashes in the
 * middle of 500 requests. Faults are injected only on private servers or through the fault proxy.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sqliteStore } from '../../src/stores/sqlite.ts';
import { Browser, startFaultApp, untilServed } from '../support/fault-app.ts';
import { newClients, newStats, runLoad, verifyAll } from '../support/fault-load.ts';
import { type Backend, networkTargets } from '../support/fault-targets.ts';

const STORE_TIMEOUT = 500;

for (const target of await networkTargets()) {
  describe(`store outage [${target.name}]`, target.skip === undefined ? {} : { skip: target.skip }, () => {
    let backend: Backend;
    before(async () => {
      backend = await target.setup();
    });
    after(async () => {
      await backend?.destroy();
    });

    it(`[${target.name}] unreachable at start-up: 503, then serves once the store is back, no restart`, async (t) => {
      await backend.outage();
      const opened = await backend.openStore();
      const app = await startFaultApp({ store: opened.store, storeTimeout: STORE_TIMEOUT });
      try {
        const browser = new Browser(app.url);
        const untouched = await browser.send('/plain');
        assert.equal(untouched.status, 200, 'a request that never touches its session needs no store');
        let slowest = 0;
        for (let i = 0; i < 3; i++) {
          const started = Date.now();
          const down = await browser.send('/write?x=1');
          const elapsed = Date.now() - started;
          slowest = Math.max(slowest, elapsed);
          assert.equal(down.status, 503, 'a request that needs the store gets 503');
          // A refused connection fails at once; the deadline is the upper bound (plus HTTP overhead).
          assert.ok(elapsed < STORE_TIMEOUT + 250, `503 after ${elapsed} ms, storeTimeout ${STORE_TIMEOUT}`);
          assert.match(down.body, /unavailable|unreachable/i);
          assert.deepEqual(down.setCookie, [], 'no cookie is handed out for a session that was not stored');
        }
        t.diagnostic(
          `${backend.outageKind}: slowest 503 after ${slowest} ms (storeTimeout ${STORE_TIMEOUT})`,
        );
        await backend.recover();
        const up = await untilServed(() => browser.send('/write?x=1'));
        assert.equal(up.status, 200, 'requests succeed again without restarting the app');
        assert.ok(browser.cookie, 'the session is created');
        assert.deepEqual((await browser.send('/read')).data, { x: '1' });
      } finally {
        await app.close();
        await opened.cleanup();
      }
    });

    it(`[${target.name}] dies during 500 requests: 200 or 503 only, nothing half-written or foreign, no write lost that the store keeps`, async (t) => {
      const opened = await backend.openStore();
      const app = await startFaultApp({ store: opened.store, storeTimeout: STORE_TIMEOUT });
      try {
        const clients = newClients(20, app.url);
        const stats = newStats();
        let phase: 'up' | 'down' | 'back' = 'up';
        await runLoad(clients, 500, stats, async (done) => {
          if (phase === 'up' && done >= 150) {
            phase = 'down';
            await backend.outage();
            // A store that restarts empty may drop every session acknowledged before it died.
            if (!backend.durable) stats.forgottenBefore = Date.now();
          } else if (phase === 'down' && done >= 300) {
            phase = 'back';
            await backend.recover();
          }
        });
        await verifyAll(clients, stats);
        t.diagnostic(
          `${backend.outageKind}: served ${stats.served}, 503 ${stats.unavailable}, lost ${stats.lostWrites}, violations ${stats.violations.length}, fresh after restart ${stats.resets}`,
        );
        assert.deepEqual(stats.violations, []);
        assert.equal(stats.lostWrites, 0);
        assert.ok(stats.unavailable > 0, `the outage was seen (${stats.unavailable} answers were 503)`);
        assert.ok(stats.served > 150, `requests were served before and after (${stats.served})`);
        assert.equal(stats.served + stats.unavailable, 500);
        if (backend.durable) assert.equal(stats.resets, 0);
        else assert.ok(stats.resets > 0, 'the restart dropped sessions, and each came back fresh with a 200');
      } finally {
        await app.close();
        await opened.cleanup();
      }
    });
  });
}

describe('store outage [sqlite]', () => {
  it('[sqlite] database directory missing at start-up: 503, then serves once it exists, no restart', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cc-fault-sqlite-'));
    const directory = join(root, 'not-yet');
    const app = await startFaultApp({
      store: sqliteStore({ database: join(directory, 's.db'), pruneIntervalMs: 0 }),
      storeTimeout: STORE_TIMEOUT,
    });
    try {
      const browser = new Browser(app.url);
      const down = await browser.send('/write?x=1');
      assert.equal(down.status, 503);
      assert.deepEqual(down.setCookie, []);
      await mkdir(directory);
      const up = await browser.send('/write?x=1');
      assert.equal(up.status, 200);
      assert.deepEqual((await browser.send('/read')).data, { x: '1' });
    } finally {
      await app.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
