/**
 * The caching tier with one of its stores down. Back store down: the tier must not acknowledge a
 * write it could not make durable, and may serve a cached read only because that cannot revive a
 * destroyed session (a destroy drops the front entry only after the back acknowledged it). Front
 * store (Redis) down: requests fall through to the back store, and an entry the front kept while it
 * was unreachable must not be served once it is back (it missed the invalidation of a write).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/core/store.ts';
import { storeKeyFor } from '../../src/core/token.ts';
import { cacheStore } from '../../src/stores/cache.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { Browser, startFaultApp, untilServed } from '../support/fault-app.ts';
import { type OpenedStore, storeCases } from '../support/fault-stores.ts';
import {
  type Backend,
  type NetworkTarget,
  networkTargets,
  type TargetStore,
} from '../support/fault-targets.ts';

const STORE_TIMEOUT = 1000;
/** Long enough that front entries outlive the whole test: every read below could hit the front. */
const CACHE_TTL = 30_000;

const targets = await networkTargets();
const target = (name: string): NetworkTarget => {
  const found = targets.find((t) => t.name === name);
  if (found === undefined) throw new Error(`no fault target named ${name}`);
  return found;
};
const postgres = target('postgres');
const redis = target('redis');
const sharedPostgres = (await storeCases()).find((c) => c.name === 'postgres');
const skipOf = (...reasons: Array<string | undefined>) => {
  const reason = reasons.find((r) => r !== undefined);
  return reason === undefined ? {} : { skip: reason };
};

/** Writes `x=value` and reads it once, so the session's record sits in the front store. */
async function cachedSession(base: string, value: string): Promise<Browser> {
  const browser = new Browser(base);
  assert.equal((await browser.send(`/write?x=${value}`)).status, 200);
  assert.deepEqual((await browser.send('/read')).data, { x: value });
  return browser;
}

/** The fault app on `store` with two cached sessions: `kept` (x=1), and `gone` (x=2) to log out. */
async function appWithCachedSessions(store: Store) {
  const app = await startFaultApp({ store, storeTimeout: STORE_TIMEOUT });
  const kept = await cachedSession(app.url, '1');
  const gone = await cachedSession(app.url, '2');
  const goneTicket = gone.cookie;
  assert.ok(goneTicket);
  return { app, kept, gone, goneTicket };
}

describe('caching tier, back store down [cache(memory→postgres)]', skipOf(postgres.skip), () => {
  let backend: Backend;
  before(async () => {
    backend = await postgres.setup();
  });
  after(async () => {
    await backend?.destroy();
  });

  it('[cache(memory→postgres)] back store down: writes 503 and never only in the front, cached reads served, no destroyed session revived', async () => {
    const back = await backend.openStore();
    const { app, kept, gone, goneTicket } = await appWithCachedSessions(
      cacheStore({ front: memoryStore(), back: back.store, cacheTtlMs: CACHE_TTL }),
    );
    try {
      assert.equal((await gone.send('/destroy')).status, 200, 'logged out while the back is up');

      await backend.outage();
      const write = await kept.send('/write?y=2');
      assert.equal(write.status, 503, 'a write the back store did not acknowledge is not acknowledged');
      assert.deepEqual(write.setCookie, []);
      assert.equal((await new Browser(app.url).send('/write?z=1')).status, 503, 'no new session either');
      const cached = await kept.send('/read');
      assert.equal(cached.status, 200, 'a cached read is served within cacheTtlMs');
      assert.deepEqual(cached.data, { x: '1' }, 'without the write that failed: it never reached the front');
      const replay = await gone.send('/read', { cookie: goneTicket, keepJar: true });
      assert.equal(replay.status, 503, 'a destroyed session is not in the front: the (down) back is asked');
      const logout = await kept.send('/destroy', { keepJar: true });
      assert.equal(logout.status, 503, 'a logout the back store did not make is not reported done');

      await backend.recover();
      assert.equal((await untilServed(() => kept.send('/write?y=2'))).status, 200, 'serves again');
      const after = await kept.send('/read');
      assert.deepEqual(after.data, { x: '1', y: '2' }, 'the write before the outage is intact in the back');
      assert.deepEqual((await gone.send('/read', { cookie: goneTicket, keepJar: true })).data, {});
    } finally {
      await app.close();
      await back.cleanup();
    }
  });
});

describe(
  'caching tier, front store down [cache(redis→postgres)]',
  skipOf(redis.skip, sharedPostgres === undefined ? 'no postgres store case' : sharedPostgres.skip),
  () => {
    let frontBackend: Backend;
    let front: TargetStore;
    let back: OpenedStore;
    before(async () => {
      frontBackend = await redis.setup();
      // The front fails fast (its own timeout well below the store deadline), so reads fall through.
      front = await frontBackend.openStore({ driverTimeoutMs: 300 });
      back = await (sharedPostgres as NonNullable<typeof sharedPostgres>).open();
    });
    after(async () => {
      await front?.cleanup();
      await back?.cleanup();
      await frontBackend?.destroy();
    });

    it('[cache(redis→postgres)] front store down: falls through to the back; entries kept through the outage are not served after it', async () => {
      const { app, kept, gone, goneTicket } = await appWithCachedSessions(
        cacheStore({ front: front.store, back: back.store, cacheTtlMs: CACHE_TTL }),
      );
      try {
        // Killed, not wiped: the private Redis keeps an append-only file, so its entries come back.
        await frontBackend.outage();
        assert.deepEqual((await kept.send('/read')).data, { x: '1' }, 'a read falls through to the back');
        assert.equal((await kept.send('/write?y=2')).status, 200, 'a write is acknowledged by the back');
        assert.equal((await gone.send('/destroy')).status, 200, 'a logout is made in the back');
        assert.equal(gone.cookie, undefined);
        assert.equal((await new Browser(app.url).send('/write?z=1')).status, 200, 'new sessions are created');

        await frontBackend.recover();
        await frontReachable(front);
        assert.ok(
          await front.store.get(storeKeyFor(goneTicket, '')),
          'the front still holds the destroyed session (it missed the invalidation)',
        );
        const replay = await gone.send('/read', { cookie: goneTicket, keepJar: true });
        assert.deepEqual(replay.data, {}, 'the destroyed session is not revived from the front');
        assert.deepEqual((await kept.send('/read')).data, { x: '1', y: '2' }, 'no stale read of the write');
      } finally {
        await app.close();
      }
    });
  },
);

/** Waits until the front store answers again (the driver reconnects on its own schedule). */
async function frontReachable(front: TargetStore): Promise<void> {
  for (let i = 0; i < 40; i++) {
    try {
      await front.store.get('probe');
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error('the front store did not come back');
}
