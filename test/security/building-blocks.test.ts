/**
 * The building blocks an application needs for the ASVS items it owns: step-up checks, a
 * per-user session limit, Clear-Site-Data on logout, user-agent binding, IdP-capped lifetimes,
 * plus the engine's own guarantees (signing, encryption at rest, CSRF tokens, ambiguous cookies,
 * store outages). Engine level, on real stores.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { verifyCsrf } from '../../src/core/csrf.ts';
import { ErrorCodes, SessionLimitError } from '../../src/core/errors.ts';
import { ReauthenticationRequiredError } from '../../src/core/recent-auth.ts';
import { responseHeaders } from '../../src/core/response-headers.ts';
import { storeKeyFor } from '../../src/core/token.ts';
import {
  CodecError,
  ConfigError,
  CsrfError,
  createSessions,
  type Store,
  StoreUnavailableError,
} from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { closeStores, cookieOf, harness, logError, storeCases, ticketOf } from './support.ts';

type Data = { note: string };
const MINUTE = 60_000;
const SECRET_A = 'a'.repeat(40);
const SECRET_B = 'b'.repeat(40);

after(closeStores);

async function loggedIn(h: ReturnType<typeof harness<Data>>, userId: string, userAgent = 'UA-1') {
  const s = h.sessions.load({ userAgent, ip: '198.51.100.1' });
  await s.login(userId);
  return cookieOf((await h.sessions.commit(s, { status: 200 })).setCookie);
}

describe('cookie defaults', () => {
  it('the default session cookie is __Host-sid; Path=/; HttpOnly; Secure; SameSite=Lax, with no Domain or Max-Age, under 4096 bytes', async () => {
    const sessions = createSessions<Data>({ store: memoryStore() });
    for (const secrets of [undefined, [SECRET_A]]) {
      const h = secrets === undefined ? sessions : createSessions<Data>({ store: memoryStore(), secrets });
      const s = h.load({});
      await s.set('note', 'x');
      const result = await h.commit(s, { status: 200 });
      const header = result.setCookie!;
      assert.match(header, /^__Host-sid=[A-Za-z0-9_.-]{43,87}; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      assert.ok(Buffer.byteLength(header) < 4096);
      assert.equal(result.noStore, true, 'Cache-Control: no-store with every ticket');
      assert.equal(result.varyCookie, true);
    }
  });
});

describe('step-up: requireRecentAuth', () => {
  it('passes within the window, throws ReauthenticationRequiredError (401) after it and for anonymous sessions', async () => {
    const h = harness<Data>(memoryStore());
    const cookie = await loggedIn(h, 'alice');
    h.clock.now += 4 * MINUTE;
    await h.sessions.load({ cookie }).requireRecentAuth('5m');
    h.clock.now += 2 * MINUTE;
    const error = await h.sessions
      .load({ cookie })
      .requireRecentAuth('5m')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof ReauthenticationRequiredError);
    assert.equal(error.code, ErrorCodes.SESSION_STATE);
    assert.equal(error.status, 401);
    assert.equal(error.authAge, 6 * MINUTE);
    logError(error);
    await assert.rejects(h.sessions.load({}).requireRecentAuth('5m'), ReauthenticationRequiredError);
  });

  it('rotate() keeps the auth time, login() renews it', async () => {
    const h = harness<Data>(memoryStore());
    const cookie = await loggedIn(h, 'alice');
    const authTime = (await h.sessions.load({ cookie }).info()).authTime;
    h.clock.now += 10 * MINUTE;
    const s = h.sessions.load({ cookie });
    await s.rotate();
    const rotated = cookieOf((await h.sessions.commit(s, { status: 200 })).setCookie);
    assert.equal((await h.sessions.load({ cookie: rotated }).info()).authTime, authTime);
    await assert.rejects(h.sessions.load({ cookie: rotated }).requireRecentAuth('5m'));
    const again = h.sessions.load({ cookie: rotated });
    await again.login('alice');
    const fresh = cookieOf((await h.sessions.commit(again, { status: 200 })).setCookie);
    await h.sessions.load({ cookie: fresh }).requireRecentAuth('5m');
  });

  it('login records amr, IP and user agent, and absoluteExpiresAt caps the lifetime', async () => {
    const h = harness<Data>(memoryStore());
    const s = h.sessions.load({ userAgent: 'UA-1', ip: '198.51.100.1' });
    const idpExpiry = h.clock.now + 45 * MINUTE;
    await s.login('alice', { amr: ['pwd', 'otp'], absoluteExpiresAt: idpExpiry });
    const cookie = cookieOf((await h.sessions.commit(s, { status: 200 })).setCookie);
    const info = await h.sessions.load({ cookie }).info();
    assert.equal(info.absoluteExpiresAt, idpExpiry);
    const [listed] = await h.sessions.listUser('alice');
    assert.equal(listed?.ip, '198.51.100.1');
    assert.equal(listed?.userAgent, 'UA-1');
    h.clock.now += 20 * MINUTE;
    await h.sessions.commit(h.sessions.load({ cookie }), { status: 200 });
    h.clock.now += 26 * MINUTE;
    assert.equal(await h.sessions.load({ cookie }).userId(), null, 'dead at the IdP expiry');
  });
});

for (const storeCase of storeCases) {
  describe(`maxSessionsPerUser (${storeCase.name})`, { skip: storeCase.skip }, () => {
    it(`${storeCase.name}: evictOldest deletes the least recently seen sessions at login`, async () => {
      const h = harness<Data>(await storeCase.make(Date.now), { maxSessionsPerUser: 2 });
      const first = await loggedIn(h, 'carol');
      h.clock.now += 1000;
      const second = await loggedIn(h, 'carol');
      h.clock.now += 1000;
      const third = await loggedIn(h, 'carol');
      assert.equal(await h.sessions.load({ cookie: first }).userId(), null, 'the oldest was evicted');
      assert.equal(await h.sessions.load({ cookie: second }).userId(), 'carol');
      assert.equal(await h.sessions.load({ cookie: third }).userId(), 'carol');
      assert.equal((await h.sessions.listUser('carol')).length, 2);
      assert.ok(h.events.some((e) => e.type === 'revoke' && e.count === 1));
      await h.store.close();
    });

    it(`${storeCase.name}: reject throws SessionLimitError (409) and changes nothing`, async () => {
      const h = harness<Data>(await storeCase.make(Date.now), { maxSessionsPerUser: 1, onLimit: 'reject' });
      const first = await loggedIn(h, 'dave');
      const s = h.sessions.load({});
      await s.set('note', 'kept');
      const error = await s.login('dave').then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof SessionLimitError);
      assert.equal(error.status, 409);
      assert.equal(error.code, ErrorCodes.CONFLICT);
      const result = await h.sessions.commit(s, { status: 200 });
      const anon = h.sessions.load({ cookie: cookieOf(result.setCookie) });
      assert.equal(await anon.userId(), null, 'the refused login bound nothing');
      assert.equal(await h.sessions.load({ cookie: first }).userId(), 'dave');
      // Logging in again on the session the user already has does not count against the limit.
      const same = h.sessions.load({ cookie: first });
      await same.login('dave');
      await h.sessions.commit(same, { status: 200 });
      await h.store.close();
    });
  });
}

describe('maxSessionsPerUser configuration', () => {
  it('a store without a user index is a ConfigError naming the fix', () => {
    const inner = memoryStore();
    const bare: Store = {
      name: 'bare',
      get: (k) => inner.get(k),
      create: (k, r, l) => inner.create(k, r, l),
      update: (k, p) => inner.update(k, p),
      touch: (k, w) => inner.touch(k, w),
      rotate: (o, n, r) => inner.rotate(o, n, r),
      delete: (k) => inner.delete(k),
      close: () => inner.close(),
    };
    assert.throws(
      () => harness<Data>(bare, { maxSessionsPerUser: 3 }),
      (e: unknown) => e instanceof ConfigError && /user index/.test(e.message) && /"bare"/.test(e.message),
    );
    assert.throws(() => harness<Data>(inner, { maxSessionsPerUser: 0 }), ConfigError);
  });
});

describe('Clear-Site-Data on destroy', () => {
  it('is sent with the destroying response when clearSiteData is on, and never otherwise', async () => {
    for (const clearSiteData of [true, false]) {
      const h = harness<Data>(memoryStore(), { clearSiteData });
      const cookie = await loggedIn(h, 'erin');
      const plain = await h.sessions.commit(h.sessions.load({ cookie }), { status: 200 });
      assert.equal(plain.clearSiteData, false);
      const s = h.sessions.load({ cookie });
      await s.destroy();
      const result = await h.sessions.commit(s, { status: 200 });
      assert.equal(result.clearSiteData, clearSiteData);
      const header = responseHeaders(result).find((x) => x.name === 'clear-site-data');
      assert.equal(header?.value, clearSiteData ? '"cookies", "storage"' : undefined);
    }
  });
});

describe('user-agent binding', () => {
  it('another User-Agent gets a fresh session and an anomaly event; the owner keeps theirs', async () => {
    const h = harness<Data>(memoryStore(), { bindUserAgent: true });
    const cookie = await loggedIn(h, 'frank', 'Firefox/130');
    const thief = h.sessions.load({ cookie, userAgent: 'curl/8' });
    assert.equal(await thief.userId(), null);
    const anomaly = h.events.find((e) => e.type === 'anomaly');
    assert.equal(anomaly?.reason, 'user_agent');
    assert.equal(anomaly?.sessionId, storeKeyFor(ticketOf(cookie), ''));
    assert.equal(anomaly?.userId, 'frank');
    assert.equal(await h.sessions.load({ cookie, userAgent: 'Firefox/130' }).userId(), 'frank');
  });

  it('is off by default', async () => {
    const h = harness<Data>(memoryStore());
    const cookie = await loggedIn(h, 'frank', 'Firefox/130');
    assert.equal(await h.sessions.load({ cookie, userAgent: 'curl/8' }).userId(), 'frank');
    assert.equal(h.events.filter((e) => e.type === 'anomaly').length, 0);
  });
});

describe('signing and key rotation', () => {
  it('a ticket signed with a previous secret is accepted and re-issued under the current one', async () => {
    const store = memoryStore();
    const before = harness<Data>(store, { secrets: [SECRET_A] });
    const old = await loggedIn(before, 'gina');
    const rotated = harness<Data>(store, { secrets: [SECRET_B, SECRET_A] });
    const s = rotated.sessions.load({ cookie: old });
    assert.equal(await s.userId(), 'gina');
    const result = await rotated.sessions.commit(s, { status: 200 });
    const reissued = cookieOf(result.setCookie);
    assert.equal(ticketOf(reissued).slice(0, 43), ticketOf(old).slice(0, 43), 'same token');
    assert.notEqual(reissued, old, 'new signature');
    const onlyNew = harness<Data>(store, { secrets: [SECRET_B] });
    assert.equal(await onlyNew.sessions.load({ cookie: reissued }).userId(), 'gina');
    assert.equal(await onlyNew.sessions.load({ cookie: old }).userId(), null);
    assert.ok(onlyNew.events.some((e) => e.type === 'invalid_signature'));
  });

  it('a secret shorter than 32 bytes is refused with a message naming the fix', () => {
    assert.throws(
      () => harness<Data>(memoryStore(), { secrets: ['short-secret'] }),
      (e: unknown) =>
        e instanceof ConfigError && /at least 32/.test(e.message) && /openssl rand/.test(e.message),
    );
  });
});

describe('encryption at rest', () => {
  it('a value tampered in the store is reported as corrupt_record and never decoded', async () => {
    const store = memoryStore();
    const h = harness<Data>(store, { encryption: { keys: [Buffer.alloc(32, 7)] } });
    const s = h.sessions.load({});
    await s.set('note', 'top secret');
    const cookie = cookieOf((await h.sessions.commit(s, { status: 200 })).setCookie);
    const key = storeKeyFor(ticketOf(cookie), '');
    const record = (await store.get(key))!;
    assert.equal(record.data.note!.includes('top secret'), false);
    const parts = record.data.note!.split('.');
    parts[3] = `${parts[3]!.slice(0, -2)}AA`;
    await store.update(key, {
      set: { note: parts.join('.') },
      del: [],
      lastSeenAt: record.lastSeenAt,
      expiresAt: record.expiresAt,
    });
    const loaded = h.sessions.load({ cookie });
    assert.equal(await loaded.get('note'), undefined);
    assert.equal(loaded.isNew, true);
    assert.equal(h.events.filter((e) => e.type === 'corrupt_record').length, 1);
  });

  it('a value moved to another field fails authentication (the field name is authenticated)', async () => {
    const store = memoryStore();
    const h = harness<{ a: string; b: string }>(store, { encryption: { keys: [Buffer.alloc(32, 7)] } });
    const s = h.sessions.load({});
    await s.set('a', 'A');
    await s.set('b', 'B');
    const cookie = cookieOf((await h.sessions.commit(s, { status: 200 })).setCookie);
    const key = storeKeyFor(ticketOf(cookie), '');
    const record = (await store.get(key))!;
    await store.update(key, {
      set: { b: record.data.a! },
      del: [],
      lastSeenAt: record.lastSeenAt,
      expiresAt: record.expiresAt,
    });
    assert.equal(await h.sessions.load({ cookie }).get('b'), undefined);
    assert.ok(h.events.some((e) => e.type === 'corrupt_record'));
  });
});

describe('CSRF tokens', () => {
  it('verifyCsrf: the session token passes, a wrong or missing one, cross-site or foreign origin fails (403)', async () => {
    const h = harness<Data>(memoryStore());
    const s = h.sessions.load({});
    const token = await s.csrfToken();
    await verifyCsrf(s, {
      method: 'POST',
      token,
      secFetchSite: 'same-origin',
      origin: 'https://app.test',
      expectedOrigin: 'https://app.test',
    });
    await verifyCsrf(s, { method: 'GET', token: undefined });
    for (const bad of [
      { method: 'POST', token: undefined },
      { method: 'POST', token: `${token.slice(0, -1)}x` },
      { method: 'DELETE', token, secFetchSite: 'cross-site' },
      { method: 'PUT', token, origin: 'https://evil.test', expectedOrigin: 'https://app.test' },
    ]) {
      const error = await verifyCsrf(s, bad).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof CsrfError, JSON.stringify(bad.method));
      assert.equal(error.status, 403);
    }
  });

  it('login renews the CSRF token (a pre-login token is worthless after login)', async () => {
    const h = harness<Data>(memoryStore());
    const s = h.sessions.load({});
    const before = await s.csrfToken();
    const cookie = cookieOf((await h.sessions.commit(s, { status: 200 })).setCookie);
    const again = h.sessions.load({ cookie });
    await again.login('hank');
    const after = await again.csrfToken();
    assert.notEqual(after, before);
    await assert.rejects(verifyCsrf(again, { method: 'POST', token: before }), CsrfError);
  });
});

describe('ambiguous cookies and store outages', () => {
  it('two different session cookies in one request: neither is used, ambiguous_cookie, fresh session', async () => {
    const h = harness<Data>(memoryStore());
    const a = await loggedIn(h, 'ivan');
    const b = await loggedIn(h, 'judy');
    const s = h.sessions.load({ cookie: `${a}; ${b}` });
    assert.equal(await s.userId(), null);
    assert.ok(h.events.some((e) => e.type === 'ambiguous_cookie'));
    const same = h.sessions.load({ cookie: `${a}; ${a}` });
    assert.equal(await same.userId(), 'ivan', 'identical duplicates are not ambiguous');
  });

  it('store unavailable: the load fails with StoreUnavailableError (503), nothing is written, no cookie is overwritten', async () => {
    const inner = memoryStore();
    let down = false;
    const flaky: Store = {
      name: 'flaky',
      get: (k) => (down ? Promise.reject(new Error('ECONNREFUSED')) : inner.get(k)),
      create: (k, r, l) => (down ? Promise.reject(new Error('ECONNREFUSED')) : inner.create(k, r, l)),
      update: (k, p) => (down ? Promise.reject(new Error('ECONNREFUSED')) : inner.update(k, p)),
      touch: (k, w) => (down ? Promise.reject(new Error('ECONNREFUSED')) : inner.touch(k, w)),
      rotate: (o, n, r) => (down ? Promise.reject(new Error('ECONNREFUSED')) : inner.rotate(o, n, r)),
      delete: (k) => (down ? Promise.reject(new Error('ECONNREFUSED')) : inner.delete(k)),
      close: () => inner.close(),
    };
    const h = harness<Data>(flaky);
    const s0 = h.sessions.load({});
    await s0.set('note', 'live');
    const cookie = cookieOf((await h.sessions.commit(s0, { status: 200 })).setCookie);
    down = true;
    const s = h.sessions.load({ cookie });
    const error = await s.get('note').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof StoreUnavailableError);
    assert.equal(error.status, 503);
    logError(error);
    assert.ok(h.events.some((e) => e.type === 'store_unavailable'));
    // Even if the app swallows the error and answers 200, the live cookie is neither cleared nor replaced.
    const result = await h.sessions.commit(s, { status: 200 });
    assert.equal(result.setCookie, undefined);
    assert.equal(result.decision.store, 'none');
    down = false;
    assert.equal(
      await h.sessions.load({ cookie }).get('note'),
      'live',
      'the live session survived the outage',
    );
  });
});

describe('rotation decisions', () => {
  it('no grace period: a write in flight through the old ticket after a rotation lands on the rotated session and leaves the cookie alone', async () => {
    const h = harness<Data>(memoryStore());
    const s0 = h.sessions.load({});
    await s0.set('note', 'v1');
    const old = cookieOf((await h.sessions.commit(s0, { status: 200 })).setCookie);
    const inFlight = h.sessions.load({ cookie: old });
    await inFlight.get('note');
    const rotating = h.sessions.load({ cookie: old });
    await rotating.rotate();
    const fresh = cookieOf((await h.sessions.commit(rotating, { status: 200 })).setCookie);
    await inFlight.set('note', 'through the old ticket');
    const late = await h.sessions.commit(inFlight, { status: 200 });
    assert.equal(late.setCookie, undefined, 'the browser may already hold the new ticket: never clear it');
    assert.equal(
      await h.sessions.load({ cookie: fresh }).get('note'),
      'through the old ticket',
      'the acknowledged write is kept',
    );
    assert.equal(await h.sessions.load({ cookie: old }).get('note'), undefined, 'the old ticket stays dead');
  });

  it('rotate() keeps the absolute deadline, login() restarts it', async () => {
    const h = harness<Data>(memoryStore(), { absoluteTimeout: '2h' });
    const s0 = h.sessions.load({});
    await s0.set('note', 'x');
    const first = cookieOf((await h.sessions.commit(s0, { status: 200 })).setCookie);
    const deadline = (await h.sessions.load({ cookie: first }).info()).absoluteExpiresAt!;
    h.clock.now += 10 * MINUTE;
    const r = h.sessions.load({ cookie: first });
    await r.rotate();
    const rotated = cookieOf((await h.sessions.commit(r, { status: 200 })).setCookie);
    assert.equal((await h.sessions.load({ cookie: rotated }).info()).absoluteExpiresAt, deadline);
    h.clock.now += 10 * MINUTE;
    const l = h.sessions.load({ cookie: rotated });
    await l.login('kim');
    const loggedInCookie = cookieOf((await h.sessions.commit(l, { status: 200 })).setCookie);
    assert.equal(
      (await h.sessions.load({ cookie: loggedInCookie }).info()).absoluteExpiresAt,
      h.clock.now + 120 * MINUTE,
    );
  });
});

for (const storeCase of storeCases) {
  describe(`codec limits (${storeCase.name})`, { skip: storeCase.skip }, () => {
    it(`${storeCase.name}: the same size and depth limits apply, enforced by core before the store sees anything`, async () => {
      const h = harness<{ deep: unknown; big: string }>(await storeCase.make(Date.now), {
        codecLimits: { maxDepth: 4, maxBytes: 1000 },
      });
      const s = h.sessions.load({});
      let deep: unknown = 1;
      for (let i = 0; i < 4; i++) deep = [deep];
      await s.set('deep', deep);
      await assert.rejects(
        s.set('deep', [deep]),
        (e: unknown) => e instanceof CodecError && /maxDepth 4/.test(e.message),
      );
      await assert.rejects(s.set('big', 'x'.repeat(1000)), CodecError);
      const cookie = cookieOf((await h.sessions.commit(s, { status: 200 })).setCookie);
      assert.deepEqual(await h.sessions.load({ cookie }).get('deep'), deep);
      await h.store.close();
    });
  });
}
