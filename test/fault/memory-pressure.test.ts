/**
 * Memory pressure: the memory store at `maxEntries` evicts the least recently used session and
 * keeps serving; a session over `maxSessionBytes` is refused with CodecError and nothing is stored,
 * on every store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCodes } from '../../src/core/errors.ts';
import { storeKeyFor } from '../../src/core/token.ts';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { Browser, type FaultApp, faultCookie, startFaultApp } from '../support/fault-app.ts';
import { type OpenedStore, storeCases } from '../support/fault-stores.ts';

describe('memory pressure [memory]', () => {
  it('[memory] at maxEntries the least recently used session is evicted and serving goes on', async () => {
    const store = memoryStore({ maxEntries: 20 });
    const app = await startFaultApp({ store });
    try {
      const browsers = Array.from({ length: 20 }, () => new Browser(app.url));
      for (const [i, browser] of browsers.entries())
        assert.equal((await browser.send(`/write?n=${i}`)).status, 200);
      assert.equal(await store.count(), 20);
      // Session 0 is used again, so session 1 is now the least recently used.
      assert.deepEqual((await browsers[0]!.send('/read')).data, { n: '0' });

      const newcomers = Array.from({ length: 5 }, () => new Browser(app.url));
      for (const [i, browser] of newcomers.entries()) {
        const answer = await browser.send(`/write?m=${i}`);
        assert.equal(answer.status, 200, 'new sessions are still served at the limit');
        assert.ok(browser.cookie);
      }
      assert.equal(await store.count(), 20, 'the store never holds more than maxEntries');
      assert.deepEqual((await browsers[0]!.send('/read')).data, { n: '0' }, 'recently used: kept');
      for (const i of [1, 2, 3, 4, 5]) {
        const evicted = await browsers[i]!.send('/read');
        assert.equal(evicted.status, 200, 'an evicted session is a fresh one, not an error');
        assert.deepEqual(evicted.data, {}, `session ${i} (least recently used) was evicted`);
      }
      for (const i of [6, 19]) assert.deepEqual((await browsers[i]!.send('/read')).data, { n: String(i) });
      for (const [i, browser] of newcomers.entries())
        assert.deepEqual((await browser.send('/read')).data, { m: String(i) });
    } finally {
      await app.close();
    }
  });
});

for (const storeCase of await storeCases()) {
  describe(
    `memory pressure [${storeCase.name}]`,
    storeCase.skip === undefined ? {} : { skip: storeCase.skip },
    () => {
      let opened: OpenedStore;
      let app: FaultApp;
      before(async () => {
        opened = await storeCase.open();
        app = await startFaultApp({ store: opened.store, maxSessionBytes: 2048 });
      });
      after(async () => {
        await app?.close();
        await opened?.cleanup();
      });

      it(`[${storeCase.name}] a session over maxSessionBytes is refused with CodecError and nothing is stored`, async () => {
        // Through the manager: the exact error.
        const sessions = createSessions<Record<string, string>>({
          store: opened.store,
          cookie: faultCookie,
          maxSessionBytes: 2048,
        });
        const session = sessions.load({});
        await session.set('big', 'x'.repeat(4096));
        const token = session.issueToken();
        await assert.rejects(sessions.commit(session, { status: 200 }), {
          code: ErrorCodes.CODEC,
          name: 'CodecError',
        });
        assert.equal(await opened.store.get(storeKeyFor(token, '')), undefined, 'no record was created');

        // Through HTTP: a new session is refused with an error page and no cookie.
        const fresh = new Browser(app.url);
        const refused = await fresh.send('/big?bytes=4096');
        assert.equal(refused.status, 500);
        assert.deepEqual(refused.setCookie, []);

        // An existing session keeps what it had.
        const browser = new Browser(app.url);
        assert.equal((await browser.send('/write?keep=me')).status, 200);
        const tooBig = await browser.send('/big?bytes=4096');
        assert.equal(tooBig.status, 500);
        assert.ok(browser.cookie, 'the refused write did not log the user out');
        assert.deepEqual(
          (await browser.send('/read')).data,
          { keep: 'me' },
          'nothing of the refused write stored',
        );
      });
    },
  );
}
