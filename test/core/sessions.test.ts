/**
 * The session engine without HTTP: load, change, commit, against the real memory store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storeKeyFor } from '../../src/core/token.ts';
import {
  CodecError,
  createSessions,
  type SessionEvent,
  SessionStateError,
  type Sessions,
  type SessionsOptions,
  type StandardSchemaV1,
  UnsupportedError,
} from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { countingStore } from '../support/counting-store.ts';

type Data = { count: number; a: string; b: string; cart: string[] };

function setup(options: Partial<SessionsOptions> = {}) {
  const store = memoryStore();
  const sessions = createSessions<Data>({ store, cookie: { secure: false, name: 'sid' }, ...options });
  const events: SessionEvent[] = [];
  for (const name of [
    'create',
    'rotate',
    'login',
    'destroy',
    'revoke',
    'expire',
    'invalid_token',
    'corrupt_record',
  ] as const) {
    sessions.on(name, (event) => events.push(event));
  }
  return { store, sessions, events };
}

/** The cookie header a browser would send back after `setCookie`. */
function cookieOf(setCookie: string | undefined): string {
  assert.ok(setCookie, 'expected a Set-Cookie');
  return setCookie.split(';')[0]!;
}

async function newSession(sessions: Sessions<Data>, data: Partial<Data> = { count: 1 }, userId?: string) {
  const session = sessions.load({ ip: '203.0.113.7', userAgent: 'test-agent' });
  for (const [key, value] of Object.entries(data)) await session.set(key as 'count', value as number);
  if (userId !== undefined) await session.login(userId);
  const result = await sessions.commit(session, { status: 200 });
  return { cookie: cookieOf(result.setCookie), token: session.issueToken() };
}

describe('session engine', () => {
  it('emits create, login and rotate events carrying the hashed id, never the token', async () => {
    const { sessions, events } = setup();
    const { token } = await newSession(sessions, { count: 1 }, 'u1');
    const types = events.map((event) => event.type);
    // The login is reported once the session is stored, under the id it is stored with.
    assert.deepEqual(types, ['create', 'login']);
    for (const event of events) {
      assert.equal(JSON.stringify(event).includes(token), false);
      assert.equal(event.userId, 'u1');
      assert.match(event.sessionId!, /^[A-Za-z0-9_-]{43}$/);
    }
    assert.equal(events[0]!.sessionId, events[1]!.sessionId);
  });

  it('two requests changing different keys of one session both keep their change', async () => {
    const { sessions } = setup();
    const { cookie } = await newSession(sessions);
    const first = sessions.load({ cookie });
    const second = sessions.load({ cookie });
    await first.set('a', 'from first');
    await second.set('b', 'from second');
    await Promise.all([sessions.commit(first, { status: 200 }), sessions.commit(second, { status: 200 })]);
    const check = sessions.load({ cookie });
    assert.deepEqual(await check.entries(), { count: 1, a: 'from first', b: 'from second' });
  });

  it('a request that writes after a concurrent logout does not resurrect the session', async () => {
    const { sessions } = setup();
    const { cookie } = await newSession(sessions);
    const slow = sessions.load({ cookie });
    await slow.set('a', 'late write');
    const logout = sessions.load({ cookie });
    await logout.destroy();
    await sessions.commit(logout, { status: 200 });
    // The logout wins: the late write is refused with a typed error (never a 2xx for a lost write).
    await assert.rejects(sessions.commit(slow, { status: 200 }), {
      code: 'COATCHECK_SESSION_GONE',
      status: 409,
    });
    const after = sessions.load({ cookie });
    assert.equal(await after.get('count'), undefined);
    assert.equal(after.isNew, true);
  });

  it('rotation keeps the data, kills the old ticket and keeps the absolute deadline', async () => {
    const { sessions } = setup();
    const { cookie } = await newSession(sessions, { count: 5 });
    const before = await sessions.load({ cookie }).info();
    const session = sessions.load({ cookie });
    await session.rotate();
    const result = await sessions.commit(session, { status: 200 });
    const fresh = cookieOf(result.setCookie);
    assert.notEqual(fresh, cookie);
    const moved = sessions.load({ cookie: fresh });
    assert.equal(await moved.get('count'), 5);
    assert.equal((await moved.info()).absoluteExpiresAt, before.absoluteExpiresAt);
    assert.equal(await sessions.load({ cookie }).get('count'), undefined);
  });

  it("lists and revokes a user's sessions, except the current one", async () => {
    const { sessions, events } = setup();
    const a = await newSession(sessions, { count: 1 }, 'alice');
    await newSession(sessions, { count: 2 }, 'alice');
    await newSession(sessions, { count: 3 }, 'bob');
    const current = sessions.load({ cookie: a.cookie });
    const list = await sessions.listUser('alice', { current });
    assert.equal(list.length, 2);
    assert.equal(list.filter((entry) => entry.current).length, 1);
    assert.equal(list[0]!.ip, '203.0.113.7');
    assert.equal(list[0]!.userAgent, 'test-agent');
    assert.equal(await sessions.revokeUser('alice', { except: current }), 1);
    assert.equal((await sessions.listUser('alice')).length, 1);
    assert.equal(await sessions.load({ cookie: a.cookie }).get('count'), 1, 'the excepted session survives');
    assert.equal((await sessions.listUser('bob')).length, 1);
    assert.equal(events.filter((event) => event.type === 'revoke').length, 1);
    const bobs = await sessions.listUser('bob');
    assert.equal(await sessions.revokeSession('alice', bobs[0]!.sessionId), false, "not alice's to revoke");
    assert.equal(await sessions.revokeSession('bob', bobs[0]!.sessionId), true);
    assert.equal((await sessions.listUser('bob')).length, 0);
  });

  it('a store without a user index says so with UnsupportedError', async () => {
    const inner = memoryStore();
    const { listByUser: _l, deleteByUser: _d, ...withoutIndex } = inner;
    const sessions = createSessions({ store: { ...withoutIndex, name: 'bare' } });
    await assert.rejects(sessions.listUser('x'), (error: unknown) => {
      assert.ok(error instanceof UnsupportedError);
      assert.equal(error.code, 'COATCHECK_UNSUPPORTED');
      assert.match(error.message, /"bare" store cannot list/);
      return true;
    });
  });

  it('refuses unstorable values and oversized sessions with CodecError, storing nothing', async () => {
    const { sessions, store } = setup({ maxSessionBytes: 1000 });
    const session = sessions.load({});
    await assert.rejects(session.set('cart', [() => 1] as unknown as string[]), CodecError);
    await session.set('a', 'x'.repeat(2000));
    await assert.rejects(sessions.commit(session, { status: 200 }), /over the limit of 1000/);
    assert.equal(await store.count(), 0);
    await assert.rejects(sessions.load({}).set('$remember' as 'a', 'x'), /reserved/);
  });

  it('judges maxSessionBytes on an update by the data after the change: replaced and removed keys no longer count', async () => {
    const { sessions } = setup({ maxSessionBytes: 1000 });
    const { cookie } = await newSession(sessions, { a: 'x'.repeat(600) });
    const commitWith = async (change: (session: ReturnType<typeof sessions.load>) => Promise<unknown>) => {
      const session = sessions.load({ cookie });
      await change(session);
      return sessions.commit(session, { status: 200 });
    };
    await assert.rejects(
      commitWith((session) => session.set('b', 'y'.repeat(500))),
      /holds 1\d{3} bytes of data, over the limit of 1000/,
    );
    // Replacing the big value with a small one while adding the 500 bytes fits.
    const replaced = await commitWith(async (session) => {
      await session.set('a', 'small');
      await session.set('b', 'y'.repeat(500));
    });
    assert.equal(replaced.decision.store, 'update');
    // Removing a key frees its bytes for the next write.
    await commitWith((session) => session.delete('b'));
    const after = await commitWith((session) => session.set('cart', ['z'.repeat(900)]));
    assert.equal(after.decision.store, 'update');
    const check = sessions.load({ cookie });
    assert.equal(await check.get('b'), undefined);
    assert.equal(await check.get('a'), 'small');
  });

  it('a new session whose every key was removed again is not stored (lazy creation sees the result, not the calls)', async () => {
    const { sessions, store } = setup();
    const session = sessions.load({});
    await session.set('a', 'x');
    await session.delete('a');
    const result = await sessions.commit(session, { status: 200 });
    assert.equal(result.decision.store, 'none');
    assert.equal(result.setCookie, undefined);
    assert.equal(await store.count(), 0);
  });

  it('data failing the Standard Schema is treated as corrupt: event and fresh session', async () => {
    const schema: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) =>
          typeof (value as { count?: unknown }).count === 'number' && (value as { count: number }).count < 10
            ? { value }
            : { issues: [{ message: 'count must be below 10' }] },
      },
    };
    const { sessions, events } = setup({ schema });
    const ok = await newSession(sessions, { count: 3 });
    assert.equal(await sessions.load({ cookie: ok.cookie }).get('count'), 3);
    const bad = await newSession(sessions, { count: 42 });
    const session = sessions.load({ cookie: bad.cookie });
    assert.equal(await session.get('count'), undefined);
    assert.equal(session.isNew, true);
    const corrupt = events.find((event) => event.type === 'corrupt_record');
    assert.match(
      String((corrupt as { error?: Error } | undefined)?.error?.message),
      /count must be below 10/,
    );
  });

  it('a malformed ticket emits invalid_token and costs nothing', async () => {
    const { sessions, events } = setup();
    const session = sessions.load({ cookie: 'sid=not-a-token' });
    assert.equal(await session.get('count'), undefined);
    assert.deepEqual(
      events.map((event) => event.type),
      ['invalid_token'],
    );
  });

  it('close() waits for a commit in flight', async () => {
    const { sessions, store } = setup();
    const session = sessions.load({});
    await session.set('count', 1);
    const commit = sessions.commit(session, { status: 200 });
    await sessions.close();
    await commit;
    assert.equal(await store.count(), 1);
  });
});

describe('session values', () => {
  it('an object mutated in place and set back is saved (equality is judged on the stored form)', async () => {
    const { sessions } = setup();
    const { cookie } = await newSession(sessions, { cart: ['a'] });
    const session = sessions.load({ cookie });
    const cart = (await session.get('cart'))!;
    cart.push('b');
    await session.set('cart', cart);
    await sessions.commit(session, { status: 200 });
    assert.deepEqual(await sessions.load({ cookie }).get('cart'), ['a', 'b']);
  });

  it('values under an old encryption key are read and re-sealed with the next write', async () => {
    const store = memoryStore();
    const oldKey = Buffer.alloc(32, 1);
    const newKey = Buffer.alloc(32, 2);
    const before = createSessions<Data>({
      store,
      cookie: { secure: false, name: 'sid' },
      encryption: { keys: [oldKey] },
    });
    const { cookie, token } = await newSession(before, { a: 'secret text' });
    const stored = Object.values((await store.get(storeKeyFor(token, '')))!.data);
    assert.equal(
      stored.some((value) => value.includes('secret text')),
      false,
      'nothing stored in clear',
    );
    const after = createSessions<Data>({
      store,
      cookie: { secure: false, name: 'sid' },
      encryption: { keys: [newKey, oldKey] },
    });
    const session = after.load({ cookie });
    assert.equal(await session.get('a'), 'secret text');
    await session.set('count', 2);
    await after.commit(session, { status: 200 });
    const onlyNew = createSessions<Data>({
      store,
      cookie: { secure: false, name: 'sid' },
      encryption: { keys: [newKey] },
    });
    assert.equal(await onlyNew.load({ cookie }).get('a'), 'secret text', 're-sealed under the new key');
  });
});

describe('rotation grace', () => {
  it('rotationGrace: the old ticket reads the session during the window and is dead after it', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const store = memoryStore({ now: () => clock.now });
    const sessions = createSessions<Data>({
      store,
      now: () => clock.now,
      cookie: { secure: false, name: 'sid' },
      rotationGrace: '10s',
    });
    const { cookie } = await newSession(sessions, { count: 7 });
    const rotating = sessions.load({ cookie });
    await rotating.rotate();
    const fresh = cookieOf((await sessions.commit(rotating, { status: 200 })).setCookie);
    clock.now += 5_000;
    assert.equal(await sessions.load({ cookie }).get('count'), 7, 'in the window the old ticket still reads');
    assert.equal(await sessions.load({ cookie: fresh }).get('count'), 7);
    clock.now += 6_000;
    assert.equal(await sessions.load({ cookie }).get('count'), undefined, 'after the window it is dead');
    assert.equal(await sessions.load({ cookie: fresh }).get('count'), 7);
  });

  it('rotationGrace never applies to login: the pre-login ticket dies at once', async () => {
    const sessions = createSessions<Data>({
      store: memoryStore(),
      cookie: { secure: false, name: 'sid' },
      rotationGrace: '10s',
    });
    const { cookie } = await newSession(sessions, { count: 1 });
    const login = sessions.load({ cookie });
    await login.login('alice');
    await sessions.commit(login, { status: 200 });
    assert.equal(await sessions.load({ cookie }).get('count'), undefined);
  });
});

describe('commitSync: the commit without a store write', () => {
  it('answers a read-only session synchronously, and leaves a changed one to commit() untouched', async () => {
    const store = countingStore(memoryStore());
    const sessions = createSessions<Data>({ store, cookie: { secure: false, name: 'sid' } });
    const { cookie } = await newSession(sessions, { count: 4 });

    store.reset();
    const reader = sessions.load({ cookie });
    assert.equal(await reader.get('count'), 4);
    const read = sessions.commitSync(reader, { status: 200 });
    assert.ok(read, 'a read-only session needs no write');
    assert.equal(read.decision.store, 'none');
    assert.equal(read.setCookie, undefined);
    assert.equal(read.varyCookie, true, 'the response used the session');
    assert.deepEqual([...store.calls], [['get', 1]]);
    await assert.rejects(reader.get('count'), SessionStateError, 'committed: no use after it');

    const writer = sessions.load({ cookie });
    await writer.set('count', 5);
    assert.equal(sessions.commitSync(writer, { status: 200 }), undefined, 'a write needs the store');
    await writer.set('count', 6); // still open: commitSync changed nothing
    assert.equal((await sessions.commit(writer, { status: 200 })).decision.store, 'update');
    assert.equal(await sessions.load({ cookie }).get('count'), 6);
  });

  it('leaves a read whose idle window must be extended to commit(), which touches the store', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const store = countingStore(memoryStore({ now: () => clock.now }));
    const sessions = createSessions<Data>({
      store,
      cookie: { secure: false, name: 'sid' },
      idleTimeout: '30m',
      now: () => clock.now,
    });
    const { cookie } = await newSession(sessions, { count: 1 });
    clock.now += 20 * 60_000;
    const reader = sessions.load({ cookie });
    assert.equal(await reader.get('count'), 1);
    assert.equal(sessions.commitSync(reader, { status: 200 }), undefined);
    store.reset();
    assert.equal((await sessions.commit(reader, { status: 200 })).decision.store, 'touch');
    assert.equal(store.calls.get('touch'), 1);
  });
});

describe('cookie.persistent', () => {
  const clockAt = () => ({ now: Date.UTC(2026, 0, 1) });
  const maxAgeOf = (setCookie: string | undefined) => Number(/Max-Age=(\d+)/.exec(setCookie ?? '')?.[1]);

  it('every session cookie carries Max-Age and Expires of the idle window, re-sent when it slides, never past the absolute deadline', async () => {
    const clock = clockAt();
    const sessions = createSessions<Data>({
      store: memoryStore({ now: () => clock.now }),
      now: () => clock.now,
      cookie: { secure: false, name: 'sid', persistent: true },
      idleTimeout: '30m',
      absoluteTimeout: '1h',
    });
    const first = sessions.load({});
    await first.set('count', 1);
    const created = (await sessions.commit(first, { status: 200 })).setCookie;
    assert.equal(maxAgeOf(created), 30 * 60);
    assert.match(created ?? '', new RegExp(`Expires=${new Date(clock.now + 30 * 60_000).toUTCString()}`));
    const cookie = cookieOf(created);

    clock.now += 5 * 60_000; // before touchAfter (a quarter of the window): nothing to re-send
    const early = sessions.load({ cookie });
    await early.get('count');
    assert.equal((await sessions.commit(early, { status: 200 })).setCookie, undefined);

    clock.now += 5 * 60_000; // 10 min in: the window slides, and the cookie with it
    const slid = sessions.load({ cookie });
    await slid.get('count');
    const resent = await sessions.commit(slid, { status: 200 });
    assert.equal(resent.decision.store, 'touch');
    assert.equal(maxAgeOf(resent.setCookie), 30 * 60);

    clock.now += 25 * 60_000; // 35 min in: the window would end at 65 min, past the 60 min deadline
    const late = sessions.load({ cookie });
    await late.get('count');
    assert.equal(maxAgeOf((await sessions.commit(late, { status: 200 })).setCookie), 25 * 60);
  });

  it('without it, a session cookie is a browser-session cookie until rememberMe(true)', async () => {
    const sessions = createSessions<Data>({ store: memoryStore(), cookie: { secure: false, name: 'sid' } });
    const session = sessions.load({});
    await session.set('count', 1);
    const { setCookie } = await sessions.commit(session, { status: 200 });
    assert.doesNotMatch(setCookie ?? '', /Max-Age|Expires/);
  });
});

describe('rotation under clock skew', () => {
  it('with the app clock ahead of the store, a planted ticket reads nothing after login (no grace by skew)', async () => {
    // The store keeps real time; the app runs 5 minutes ahead, as a skewed host would.
    const sessions = createSessions<Data>({
      store: memoryStore(),
      cookie: { secure: false, name: 'sid' },
      now: () => Date.now() + 5 * 60_000,
    });
    const planted = sessions.load({});
    await planted.set('count', 1);
    const attackerCookie = cookieOf((await sessions.commit(planted, { status: 200 })).setCookie);
    const victim = sessions.load({ cookie: attackerCookie });
    await victim.login('victim');
    await sessions.commit(victim, { status: 200 });
    const attacker = sessions.load({ cookie: attackerCookie });
    assert.equal(await attacker.userId(), null);
    assert.equal(attacker.isNew, true);
  });
});
