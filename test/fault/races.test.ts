/**
 * Races a user can trigger with two tabs or a double click, or an admin against a user, on every
 * store, over real HTTP: logout against a slow write; rotation against requests in flight, against
 * a logout (in both orders) and against a revocation; 20 overlapping rotations; 50 writes during
 * a rotation; 50 parallel logins against the per-user cap; 200 parallel writes to one session.
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

      assert.equal(late.status, 409, 'the lost write is refused (SessionGoneError), never answered 2xx');
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
      assert.equal(
        current.data.y,
        '"2"',
        'the in-flight write through the old ticket landed on the new session',
      );
      const again = await browser.send('/read', { cookie: newTicket, keepJar: true });
      assert.deepEqual(again.data, { x: '1', y: '2' });
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

    /** Whether `ticket` still opens a session with data (as any request would see it). */
    const live = async (ticket: string | undefined) =>
      ticket !== undefined &&
      Object.keys((await new Browser(app.url).send('/read', { cookie: ticket, keepJar: true })).data ?? {})
        .length > 0;

    for (const order of ['logout first', 'rotation first'] as const) {
      it(`[${storeCase.name}] a slow rotation racing a logout (${order}): no ticket of the session is live`, async () => {
        const browser = new Browser(app.url);
        await browser.send('/login?user=racer');
        const oldTicket = browser.cookie!;
        const gate = `rot-${order}`;
        if (order === 'logout first') {
          const rotating = browser.send(`/slow-rotate?gate=${gate}`, { keepJar: true });
          await app.gates.arrived(gate);
          assert.equal((await browser.send('/destroy', { cookie: oldTicket, keepJar: true })).status, 200);
          app.gates.open(gate);
          const late = await rotating;
          assert.ok(late.status < 500, `no 5xx (${late.status})`);
          assert.equal(
            late.setCookie.filter((c) => !c.includes('Max-Age=0')).length,
            0,
            'no new ticket handed out',
          );
        } else {
          // The logout request loaded the session before the rotation finished, and ends it after.
          const logout = browser.send(`/slow-destroy?gate=${gate}`, { keepJar: true });
          await app.gates.arrived(gate);
          const rotated = await browser.send('/rotate', { cookie: oldTicket, keepJar: true });
          assert.equal(rotated.status, 200);
          browser.apply(rotated.setCookie);
          assert.notEqual(browser.cookie, oldTicket);
          app.gates.open(gate);
          assert.equal((await logout).status, 200);
        }
        assert.equal(await live(oldTicket), false, 'old ticket dead');
        assert.equal(await live(browser.cookie), false, 'the rotated ticket died with the logout');
      });
    }
    it(`[${storeCase.name}] a slow login rotation racing revokeUser: the user has no live session`, async (t) => {
      if (!store.listByUser) return t.skip('no user index');
      const browser = new Browser(app.url);
      await browser.send('/login?user=revoked-racer');
      const oldTicket = browser.cookie!;
      const rotating = browser.send('/slow-rotate?gate=revoke', { keepJar: true });
      await app.gates.arrived('revoke');
      assert.equal((await browser.send('/revoke-user?user=revoked-racer', { keepJar: true })).status, 200);
      app.gates.open('revoke');
      const late = await rotating;
      assert.ok(late.status < 500, `no 5xx (${late.status})`);
      browser.apply(late.setCookie);
      assert.equal(await live(oldTicket), false);
      assert.equal(await live(browser.cookie), false, 'no ticket handed out by the late rotation is live');
      assert.deepEqual(await app.sessions.listUser('revoked-racer'), []);
    });

    it(`[${storeCase.name}] 20 overlapping rotations of one session: exactly one live ticket, no 5xx`, async () => {
      const browser = new Browser(app.url);
      await browser.send('/write?x=1');
      const oldTicket = browser.cookie!;
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => browser.send('/rotate', { keepJar: true })),
      );
      assert.deepEqual(
        answers.filter((a) => a.status >= 500).map((a) => a.status),
        [],
      );
      const issued = answers
        .flatMap((a) => a.setCookie)
        .map((c) => /^[^=]+=([^;]*)/.exec(c)?.[1] ?? '')
        .filter(Boolean);
      const liveTickets = [];
      for (const ticket of [oldTicket, ...issued]) if (await live(ticket)) liveTickets.push(ticket);
      assert.equal(liveTickets.length, 1, `${liveTickets.length} live tickets of ${issued.length} issued`);
    });

    for (const onLimit of ['reject', 'evictOldest'] as const) {
      it(`[${storeCase.name}] 50 parallel logins of one user against maxSessionsPerUser 5 (${onLimit})`, async (t) => {
        if (!store.listByUser) return t.skip('no user index');
        // A second app on the same store, with the cap; closing it must not close the shared store.
        const shared = Object.create(store, { close: { value: async () => {} } }) as Store;
        const capped = await startFaultApp({
          store: shared,
          storeTimeout: 5000,
          maxSessionsPerUser: 5,
          onLimit,
        });
        try {
          const user = `capped-${onLimit}-${Date.now()}`;
          const answers = await Promise.all(
            Array.from({ length: 50 }, () => new Browser(capped.url).send(`/login?user=${user}`)),
          );
          const statuses = answers.map((a) => a.status);
          assert.deepEqual(
            statuses.filter((s) => s >= 500),
            [],
            'no 5xx',
          );
          const live = (await capped.sessions.listUser(user)).length;
          if (onLimit === 'reject') {
            assert.equal(statuses.filter((s) => s === 200).length, 5, `statuses: ${statuses.join(',')}`);
            assert.equal(
              statuses.filter((s) => s === 409).length,
              45,
              'the others get SessionLimitError (409)',
            );
            assert.equal(live, 5);
          } else {
            assert.equal(statuses.filter((s) => s === 200).length, 50);
            assert.ok(live >= 1 && live <= 5, `${live} live sessions`);
          }
        } finally {
          await capped.close();
        }
      });
    }

    it(`[${storeCase.name}] 50 writes in flight during a rotation: every 2xx write is stored`, async () => {
      const browser = new Browser(app.url);
      await browser.send('/write?x=1');
      const oldTicket = browser.cookie!;
      const writes = Array.from({ length: 50 }, (_, i) =>
        browser.send(`/write?k${i}=${i}`, { cookie: oldTicket, keepJar: true }),
      );
      const rotation = browser.send('/rotate', { cookie: oldTicket, keepJar: true });
      const [rotated, ...answers] = await Promise.all([rotation, ...writes]);
      assert.equal(rotated.status, 200);
      browser.apply(rotated.setCookie);
      const final = (await browser.send('/read')).data ?? {};
      const lost = answers.flatMap((a, i) =>
        a.status < 300 && final[`k${i}`] !== String(i) ? [`k${i}`] : [],
      );
      assert.deepEqual(lost, [], 'no write answered 2xx was lost');
      assert.deepEqual(
        answers.filter((a) => a.status >= 500).map((a) => a.status),
        [],
      );
      const stored = answers.filter((a, i) => a.status < 300 && final[`k${i}`] === String(i)).length;
      assert.ok(stored >= 1, `${stored} of 50 writes stored`);
    });
  });
}
