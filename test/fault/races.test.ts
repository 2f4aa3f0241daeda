/**
 * Races a user can trigger with two tabs or a double click, on every store: logout against a slow
 * write, rotation against requests in flight, and 200 parallel writes to one session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/core/store.ts';
import { storeKeyFor } from '../../src/core/token.ts';
import { Browser, type FaultApp, startFaultApp } from '../support/fault-app.ts';
import { type OpenedStore, storeCases } from '../support/fault-stores.ts';

for (const storeCase of await storeCases()) {
  describe(`races [${storeCase.name}]`, storeCase.skip === undefined ? {} : { skip: storeCase.skip }, () => {
    let opened: OpenedStore;
    let app: FaultApp;
    let store: Store;
    const keyOf = (token: string) => storeKeyFor(token, opened.keyPrefix ?? '');

    before(async () => {
      opened = await storeCase.open();
      store = opened.store;
      app = await startFaultApp({
        store,
        storeTimeout: 5000,
        ...(opened.keyPrefix === undefined ? {} : { keyPrefix: opened.keyPrefix }),
      });
    });
    after(async () => {
      await app?.close();
      await opened?.cleanup();
    });

    it(`[${storeCase.name}] logout racing a slow write: the session stays destroyed`, async () => {
      const browser = new Browser(app.url);
      assert.equal((await browser.send('/write?note=before')).status, 200);
      const ticket = browser.cookie;
      assert.ok(ticket, 'the first write sets a cookie');

      // Tab A loads the session, then stalls before writing; tab B logs out meanwhile.
      const slow = browser.send('/slow-write?gate=logout&note=after', { keepJar: true });
      await app.gates.arrived('logout');
      const logout = await browser.send('/destroy');
      assert.equal(logout.status, 200);
      assert.equal(browser.cookie, undefined, 'logout clears the cookie');
      app.gates.open('logout');
      const late = await slow;

      assert.equal(late.status, 200, 'the late request gets a page, not an error');
      browser.apply(late.setCookie);
      assert.equal(browser.cookie, undefined, 'the late response does not hand back a ticket');
      assert.equal(await store.get(keyOf(ticket)), undefined, 'no record under the old key');
      const replay = await browser.send('/read', { cookie: ticket, keepJar: true });
      assert.deepEqual(replay.data, {}, 'the old ticket now gives a fresh, empty session');
    });

    it(`[${storeCase.name}] rotation racing requests in flight: old ticket dead, no error page`, async () => {
      const browser = new Browser(app.url);
      await browser.send('/write?x=1');
      const oldTicket = browser.cookie!;

      const inFlight = browser.send('/slow-write?gate=rotate&y=2', { keepJar: true });
      await app.gates.arrived('rotate');
      const rotated = await browser.send('/rotate');
      assert.equal(rotated.status, 200);
      const newTicket = browser.cookie!;
      assert.notEqual(newTicket, oldTicket, 'rotation issues a new ticket');
      assert.equal(rotated.data?.x, '1', 'the data moved with the ticket');

      // A request sent with the old cookie after the rotation: a fresh session (no grace window).
      const stale = await browser.send('/read', { cookie: oldTicket, keepJar: true });
      assert.equal(stale.status, 200);
      assert.deepEqual(stale.data, {});
      app.gates.open('rotate');
      const late = await inFlight;
      assert.equal(late.status, 200, 'the in-flight request gets a page, not an error');

      assert.equal(await store.get(keyOf(oldTicket)), undefined, 'no second copy under the old ticket');
      const current = await store.get(keyOf(newTicket));
      assert.ok(current, 'the rotated session is stored');
      assert.equal(current.data.y, undefined, 'the in-flight write to the old ticket went nowhere');
      const again = await browser.send('/read', { cookie: newTicket, keepJar: true });
      assert.deepEqual(again.data, { x: '1' });
    });

    it(`[${storeCase.name}] rotation racing requests in flight: the browser keeps the new ticket`, async () => {
      const browser = new Browser(app.url);
      await browser.send('/write?x=1');
      const inFlight = browser.send('/slow-write?gate=rotate-jar&y=2', { keepJar: true });
      await app.gates.arrived('rotate-jar');
      await browser.send('/rotate');
      const newTicket = browser.cookie;
      app.gates.open('rotate-jar');
      // The in-flight response arrives after the rotation's and the browser applies it.
      browser.apply((await inFlight).setCookie);
      assert.equal(browser.cookie, newTicket, 'the user is still logged in');
    });

    it(`[${storeCase.name}] 200 parallel requests on one session, each setting its own key: all kept`, async () => {
      const browser = new Browser(app.url);
      await browser.send('/write?owner=me');
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) => browser.send(`/write?k${i}=${i}`, { keepJar: true })),
      );
      assert.deepEqual(
        answers.filter((a) => a.status !== 200).map((a) => a.status),
        [],
        'every request succeeded',
      );
      const final = await browser.send('/read');
      const expected: Record<string, string> = { owner: 'me' };
      for (let i = 0; i < 200; i++) expected[`k${i}`] = String(i);
      assert.deepEqual(final.data, expected);
    });
  });
}
