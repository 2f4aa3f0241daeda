/**
 * Events mean what their names say, on the stores that keep expired rows (memory, sqlite,
 * postgres): `expire` fires once for an ordinary expiry, even when two requests present the dead
 * ticket at once; `login` and `create` of a brand-new session carry its id; a real clock, no mocks.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { storeCapabilities } from '../../src/core/store.ts';
import { sleep } from '../../src/testing/records.ts';
import { closeStores, cookieOf, harness, storeCases } from './support.ts';

after(closeStores);

for (const storeCase of storeCases) {
  describe(`lifecycle events (${storeCase.name})`, { skip: storeCase.skip }, () => {
    it(`${storeCase.name}: an ordinary idle expiry fires expire exactly once, with the session id`, async () => {
      const store = await storeCase.make(Date.now);
      assert.equal(
        storeCapabilities(store).reportsExpired,
        true,
        'this store keeps expired rows until a purge',
      );
      const clock = { now: Date.now() };
      const h = harness<{ n: number }>(
        store,
        { idleTimeout: 1000, touchAfter: 100, absoluteTimeout: '1h' },
        clock,
      );
      const first = h.sessions.load({});
      await first.set('n', 1);
      const cookie = cookieOf((await h.sessions.commit(first, { status: 200 })).setCookie);
      const created = h.events.find((e) => e.type === 'create');
      await sleep(1300);
      clock.now = Date.now();
      const [a, b] = [h.sessions.load({ cookie }), h.sessions.load({ cookie })];
      assert.deepEqual(await Promise.all([a.get('n'), b.get('n')]), [undefined, undefined]);
      const expired = h.events.filter((e) => e.type === 'expire');
      assert.equal(expired.length, 1, 'one expire event for one expiry');
      assert.equal(expired[0]?.sessionId, created?.sessionId);
      assert.equal((expired[0] as { reason?: string }).reason, 'idle');
      await store.close();
    });

    it(`${storeCase.name}: login of a brand-new session reports the id it is stored under`, async () => {
      const store = await storeCase.make(Date.now);
      const h = harness<{ n: number }>(store);
      const session = h.sessions.load({});
      await session.login('ada');
      await h.sessions.commit(session, { status: 200 });
      const login = h.events.find((e) => e.type === 'login');
      const create = h.events.find((e) => e.type === 'create');
      assert.match(String(login?.sessionId), /^[A-Za-z0-9_-]{43}$/);
      assert.equal(login?.sessionId, create?.sessionId);
      assert.equal((await h.sessions.listUser('ada'))[0]?.sessionId, login?.sessionId);
      await store.close();
    });
  });
}
