/**
 * The behaviour matrix: the same HTTP scenarios against every adapter, on real listeners (port 0)
 * and the real memory store, with the adapter's name in every test title.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createSessions,
  type SessionEventMap,
  type Sessions,
  type SessionsOptions,
  type Store,
} from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { countingStore } from '../support/counting-store.ts';
import { type AppData, LATE_USE_MS } from './app-script.ts';
import { adaptersUnderTest } from './apps/all.ts';
import type { RunningApp } from './apps/types.ts';
import { Jar, parseSetCookie, request } from './client.ts';

const MINUTE = 60_000;
/** Store latency that keeps a session's load in flight while the handler sends its response. */
const LOAD_MS = 15;

/** `inner`, each read answered after `ms` (a store across a network). Delegates every call. */
function slowReads(inner: Store, ms: number): Store {
  return {
    ...inner,
    get: async (key) => {
      await sleep(ms);
      return inner.get(key);
    },
  };
}

/**
 * One app per adapter and configuration, with a controllable clock and a counted store (seen by
 * the sessions through `wrap`, when given).
 */
async function startApp(
  start: (sessions: Sessions<AppData>) => Promise<RunningApp>,
  options: Partial<SessionsOptions> = {},
  wrap: (store: Store) => Store = (store) => store,
) {
  const clock = { now: Date.UTC(2026, 0, 1) };
  const store = countingStore(memoryStore({ now: () => clock.now }));
  const sessions = createSessions<AppData>({
    store: wrap(store),
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

  describe(`adapter ${adapter.name} with session calls not awaited`, () => {
    let t: Awaited<ReturnType<typeof startApp>>;
    const unhandled: unknown[] = [];
    const late: Array<SessionEventMap['late_use']> = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    before(async () => {
      // Listening here also keeps such a rejection from ending the test process: it is asserted on instead.
      process.on('unhandledRejection', onUnhandled);
      t = await startApp(adapter.start, {}, (store) => slowReads(store, LOAD_MS));
      t.sessions.on('late_use', (event) => late.push(event));
    });
    after(async () => {
      await t.app.close();
      process.off('unhandledRejection', onUnhandled);
    });

    it(`${adapter.name}: a set not awaited before the response is sent is kept, and the process stays up`, async () => {
      const jar = new Jar('sid');
      const created = await request(t.url('/set-unawaited?n=5'));
      assert.equal(created.status, 200);
      jar.take(created);
      assert.ok(jar.header, 'the new session was stored and its cookie sent');
      assert.equal((await request(t.url('/read'), { cookie: jar.header })).body, '5');
      // Now the session exists, so the set must load it first: still in flight when the handler returns.
      const updated = await request(t.url('/set-unawaited?n=6'), { cookie: jar.header });
      assert.equal(updated.status, 200);
      assert.equal((await request(t.url('/read'), { cookie: jar.header })).body, '6');
      await sleep(LOAD_MS * 2);
      assert.deepEqual(unhandled, [], 'no unhandled rejection');
      assert.equal((await request(t.url('/untouched'))).status, 200, 'still serving');
    });

    it(`${adapter.name}: a session call after the response changes nothing, is reported with the route, and crashes nothing`, async () => {
      const jar = new Jar('sid');
      jar.take(await request(t.url('/count')));
      late.length = 0;
      const reply = await request(t.url('/late-use?secret=x'), { cookie: jar.header! });
      assert.equal(reply.body, 'sent');
      await sleep(LATE_USE_MS + LOAD_MS * 3);
      assert.equal(late.length, 1, 'reported once');
      assert.equal(late[0]?.operation, 'set');
      assert.equal(late[0]?.context, 'GET /late-use', 'the route, without its query string');
      assert.deepEqual(unhandled, [], 'no unhandled rejection');
      const note = await request(t.url('/count'), { cookie: jar.header! });
      assert.equal(note.body, '2', 'the session is intact and still serving');
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
