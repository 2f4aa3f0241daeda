/**
 * The behaviour matrix: the same HTTP scenarios against every adapter, on real listeners (port 0)
 * and the real memory store, with the adapter's name in every test title.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSessions, type Sessions, type SessionsOptions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { countingStore } from '../support/counting-store.ts';
import type { AppData } from './app-script.ts';
import { adaptersUnderTest } from './apps/all.ts';
import type { RunningApp } from './apps/types.ts';
import { Jar, parseSetCookie, request } from './client.ts';

const MINUTE = 60_000;

/** One app per adapter and configuration, with a controllable clock and a counted store. */
async function startApp(
  start: (sessions: Sessions<AppData>) => Promise<RunningApp>,
  options: Partial<SessionsOptions> = {},
) {
  const clock = { now: Date.UTC(2026, 0, 1) };
  const store = countingStore(memoryStore({ now: () => clock.now }));
  const sessions = createSessions<AppData>({
    store,
    cookie: { secure: false, name: 'sid' },
    now: () => clock.now,
    ...options,
  });
  const app = await start(sessions);
  return { app, store, clock, sessions, url: (path: string) => app.url + path };
}

for (const adapter of adaptersUnderTest) {
  describe(`adapter ${adapter.name}`, () => {
    let t: Awaited<ReturnType<typeof startApp>>;
    before(async () => {
      t = await startApp(adapter.start);
    });
    after(() => t.app.close());

    it(`${adapter.name}: an untouched request sends no cookie and makes no store call`, async () => {
      t.store.reset();
      const reply = await request(t.url('/untouched'));
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.setCookie, []);
      assert.equal(t.store.total(), 0);
    });

    it(`${adapter.name}: a route that never uses its session answers a live cookie with no Set-Cookie, no Vary and no store call`, async () => {
      const jar = new Jar('sid');
      jar.take(await request(t.url('/count')));
      t.store.reset();
      const reply = await request(t.url('/untouched'), { cookie: jar.header! });
      assert.equal(reply.body, 'untouched');
      assert.deepEqual(reply.setCookie, []);
      assert.doesNotMatch(reply.headers.get('vary') ?? '', /cookie/i, 'the response did not depend on it');
      assert.equal(t.store.total(), 0);
      assert.equal((await request(t.url('/read'), { cookie: jar.header! })).body, '1', 'session intact');
    });

    it(`${adapter.name}: a malformed session cookie is cleared even by a route that never uses its session`, async () => {
      t.store.reset();
      const reply = await request(t.url('/untouched'), { cookie: 'sid=not-a-ticket' });
      assert.equal(reply.body, 'untouched');
      assert.equal(reply.setCookie.length, 1);
      const cleared = parseSetCookie(reply.setCookie[0]!);
      assert.equal(cleared.name, 'sid');
      assert.equal(cleared.value, '');
      assert.equal(cleared.attributes.get('max-age'), '0');
      assert.equal(t.store.total(), 0);
    });

    it(`${adapter.name}: login records the client address (looked up only then)`, async () => {
      const user = `ip-${adapter.name}`;
      await request(t.url(`/login?user=${user}`));
      const [entry] = await t.sessions.listUser(user);
      assert.match(entry?.ip ?? '(none)', /^(?:::ffff:)?127\.0\.0\.1$|^192\.0\.2\.10$/);
    });

    it(`${adapter.name}: reading a session that does not exist creates nothing`, async () => {
      t.store.reset();
      const reply = await request(t.url('/read'));
      assert.equal(reply.body, '0');
      assert.deepEqual(reply.setCookie, []);
      assert.equal(t.store.total(), 0, 'no ticket: nothing to load');
    });

    it(`${adapter.name}: the counter increments, the cookie is set once, with safe attributes`, async () => {
      const jar = new Jar('sid');
      const first = await request(t.url('/count'));
      assert.equal(first.body, '1');
      assert.equal(first.setCookie.length, 1);
      const cookie = parseSetCookie(first.setCookie[0]!);
      assert.match(cookie.value, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(cookie.attributes.has('httponly'), true);
      assert.equal(cookie.attributes.get('samesite'), 'Lax');
      assert.equal(cookie.attributes.get('path'), '/');
      assert.equal(cookie.attributes.has('max-age'), false, 'a browser-session cookie by default');
      assert.match(first.headers.get('vary') ?? '', /cookie/i);
      assert.equal(first.headers.get('cache-control'), 'no-store');
      jar.take(first);
      t.store.reset();
      const second = await request(t.url('/count'), { cookie: jar.header! });
      assert.equal(second.body, '2');
      assert.deepEqual(second.setCookie, [], 'an existing cookie is not re-sent');
      assert.match(second.headers.get('vary') ?? '', /cookie/i);
      assert.deepEqual(Object.fromEntries(t.store.calls), { get: 1, update: 1 });
      const third = await request(t.url('/count'), { cookie: jar.header! });
      assert.equal(third.body, '3');
    });

    it(`${adapter.name}: a read costs one round trip and no write; an equal value is not a change`, async () => {
      const jar = new Jar('sid');
      jar.take(await request(t.url('/count')));
      t.store.reset();
      const read = await request(t.url('/read'), { cookie: jar.header! });
      assert.equal(read.body, '1');
      assert.deepEqual(Object.fromEntries(t.store.calls), { get: 1 });
      t.store.reset();
      await request(t.url('/same'), { cookie: jar.header! });
      assert.deepEqual(Object.fromEntries(t.store.calls), { get: 1 });
    });

    it(`${adapter.name}: login rotates the ticket and the old one stops working`, async () => {
      const jar = new Jar('sid');
      jar.take(await request(t.url('/count')));
      const before = jar.value;
      const login = await request(t.url('/login?user=alice'), { method: 'POST', cookie: jar.header! });
      assert.equal(login.status, 200);
      jar.take(login);
      assert.notEqual(jar.value, before);
      assert.equal((await request(t.url('/whoami'), { cookie: jar.header! })).body, 'alice');
      assert.equal(
        (await request(t.url('/read'), { cookie: jar.header! })).body,
        '1',
        'data kept across login',
      );
      const replay = await request(t.url('/whoami'), { cookie: `sid=${before}` });
      assert.equal(replay.body, 'anonymous');
      assert.deepEqual(
        replay.setCookie,
        [],
        'no cookie is sent: the browser may already hold the new ticket',
      );
    });

    it(`${adapter.name}: logout destroys the session and clears the cookie`, async () => {
      const jar = new Jar('sid');
      jar.take(await request(t.url('/login?user=bob'), { method: 'POST' }));
      const old = jar.header!;
      const logout = await request(t.url('/logout'), { method: 'POST', cookie: old });
      const cleared = parseSetCookie(logout.setCookie[0]!);
      assert.equal(cleared.value, '');
      assert.equal(cleared.attributes.get('max-age'), '0');
      assert.equal(cleared.attributes.get('path'), '/');
      assert.equal((await request(t.url('/whoami'), { cookie: old })).body, 'anonymous');
    });

    it(`${adapter.name}: remember-me sends a persistent cookie, a plain login a browser-session cookie`, async () => {
      const remembered = await request(t.url('/login?user=carol&remember=1'), { method: 'POST' });
      const persistent = parseSetCookie(remembered.setCookie.at(-1)!);
      assert.equal(persistent.attributes.get('max-age'), String(30 * 24 * 3600));
      const plain = await request(t.url('/login?user=carol'), { method: 'POST' });
      assert.equal(parseSetCookie(plain.setCookie.at(-1)!).attributes.has('max-age'), false);
    });

    it(`${adapter.name}: flash messages are read once`, async () => {
      const jar = new Jar('sid');
      jar.take(await request(t.url('/flash?text=hello'), { method: 'POST' }));
      assert.equal((await request(t.url('/flash'), { cookie: jar.header! })).body, 'hello');
      assert.equal((await request(t.url('/flash'), { cookie: jar.header! })).body, '(none)');
    });

    it(`${adapter.name}: tampered, malformed, oversized and duplicate cookies give a fresh session with no store call`, async () => {
      const jar = new Jar('sid');
      jar.take(await request(t.url('/count')));
      const good = jar.value!;
      const flipped = (good[0] === 'A' ? 'B' : 'A') + good.slice(1);
      const other = (await request(t.url('/count'))).setCookie[0]!;
      const otherValue = parseSetCookie(other).value;
      const bad = [
        `sid=${good.slice(0, 42)}`,
        `sid=${good}x`,
        `sid=${'A'.repeat(5000)}`,
        'sid=../../etc/passwd',
        'sid=%00%ff',
        `sid=${good}; sid=${otherValue}`,
      ];
      for (const cookie of bad) {
        t.store.reset();
        const reply = await request(t.url('/read'), { cookie });
        assert.equal(reply.status, 200, cookie);
        assert.equal(reply.body, '0', cookie);
        assert.equal(t.store.total(), 0, `no store call for ${cookie.slice(0, 30)}`);
      }
      // An unknown but well-formed ticket is looked up once and then replaced, never adopted.
      t.store.reset();
      const unknown = await request(t.url('/count'), { cookie: `sid=${flipped}` });
      assert.equal(unknown.body, '1');
      assert.notEqual(
        parseSetCookie(unknown.setCookie[0]!).value,
        flipped,
        'a client-chosen ticket is never adopted',
      );
      // Identical duplicates are not ambiguous.
      assert.equal((await request(t.url('/read'), { cookie: `sid=${good}; sid=${good}` })).body, '1');
    });

    it(`${adapter.name}: no save and no cookie on a 5xx response`, async () => {
      t.store.reset();
      const reply = await request(t.url('/fail'));
      assert.equal(reply.status, 500);
      assert.deepEqual(reply.setCookie, []);
      assert.equal(t.store.calls.get('create') ?? 0, 0);
    });
  });

  describe(`adapter ${adapter.name} with a clock`, () => {
    it(`${adapter.name}: idle expiry ends the session, activity within the window keeps it`, async () => {
      const t = await startApp(adapter.start, { idleTimeout: '30m', absoluteTimeout: '7d' });
      try {
        const jar = new Jar('sid');
        jar.take(await request(t.url('/count')));
        t.clock.now += 20 * MINUTE;
        t.store.reset();
        assert.equal((await request(t.url('/read'), { cookie: jar.header! })).body, '1');
        assert.equal(t.store.calls.get('touch'), 1, 'past touchAfter (7.5 min) the window is extended');
        t.clock.now += 20 * MINUTE;
        assert.equal(
          (await request(t.url('/read'), { cookie: jar.header! })).body,
          '1',
          'alive: touched 20 min ago',
        );
        t.clock.now += 31 * MINUTE;
        const expired = await request(t.url('/read'), { cookie: jar.header! });
        assert.equal(expired.body, '0');
        assert.deepEqual(
          expired.setCookie,
          [],
          'an expired session is simply gone: nothing to store or clear',
        );
      } finally {
        await t.app.close();
      }
    });

    it(`${adapter.name}: absolute expiry ends even an active session`, async () => {
      const t = await startApp(adapter.start, { idleTimeout: '30m', absoluteTimeout: '2h' });
      try {
        const jar = new Jar('sid');
        jar.take(await request(t.url('/count')));
        for (let i = 0; i < 5; i++) {
          t.clock.now += 20 * MINUTE;
          assert.equal((await request(t.url('/read'), { cookie: jar.header! })).body, '1', `active at ${i}`);
        }
        t.clock.now += 21 * MINUTE; // 2h01 after creation, 21 min after the last visit
        assert.equal((await request(t.url('/read'), { cookie: jar.header! })).body, '0');
      } finally {
        await t.app.close();
      }
    });
  });

  describe(`adapter ${adapter.name} with header transport`, () => {
    it(`${adapter.name}: API clients carry the ticket in Authorization: Bearer, never in a cookie`, async () => {
      const t = await startApp(adapter.start, { header: 'authorization', cookie: false });
      try {
        const created = await request(t.url('/token?note=api'));
        assert.deepEqual(created.setCookie, []);
        const token = created.body;
        assert.match(token, /^[A-Za-z0-9_-]{43}$/);
        assert.equal(created.headers.get('x-session-token'), token);
        const auth = { authorization: `Bearer ${token}` };
        assert.equal((await request(t.url('/count'), { headers: auth })).body, '1');
        const second = await request(t.url('/count'), { headers: auth });
        assert.equal(second.body, '2');
        assert.deepEqual(second.setCookie, []);
        assert.equal(
          (await request(t.url('/read'), { headers: { authorization: 'Bearer nope' } })).body,
          '0',
        );
      } finally {
        await t.app.close();
      }
    });
  });
}
