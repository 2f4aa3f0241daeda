/**
 * Migration from express-session without logging anyone out, against the real thing: an old app
 * running express-session issues the cookie and fills the old store (its MemoryStore, or
 * connect-redis on a real Redis); the new coatcheck app adopts the session on the next request.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { RedisStore } from 'connect-redis';
import express from 'express';
import { createClient } from 'redis';
import { unsignCookie } from '../../src/adapters/express/session-migration.ts';
import {
  expressSessionMigration,
  type LegacyStore,
  type SessionMigration,
  session,
} from '../../src/adapters/express.ts';
import { CookieError, createSessions, type Sessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { listen } from '../http/apps/listen.ts';
import type { RunningApp } from '../http/apps/types.ts';
import { Jar, parseSetCookie, request } from '../http/client.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';

type OldData = { user?: string; cart?: string[] };
type NewData = { cart: string[] };
type ExpressSession = ((options: {
  secret: string;
  store: LegacyStore;
  resave: boolean;
  saveUninitialized: boolean;
}) => express.RequestHandler) & { MemoryStore: new () => LegacyStore };

// Loaded untyped on purpose: @types/express-session would redeclare `req.session` for the whole program.
const expressSession = createRequire(import.meta.url)('express-session') as ExpressSession;
const SECRET = 'the old express-session secret';

/** The app being migrated away from: express-session, logging a user in. */
function startOldApp(store: LegacyStore): Promise<RunningApp> {
  const app = express();
  app.use(expressSession({ secret: SECRET, store, resave: false, saveUninitialized: false }));
  app.post('/login', (req, res) => {
    const old = (req as unknown as { session: OldData }).session;
    old.user = 'erin';
    old.cart = ['sku-1', 'sku-2'];
    res.send('ok');
  });
  return listen(createServer(app));
}

/**
 * The new app: coatcheck with the migration. `wrapEndFirst` puts a middleware before ours that
 * wraps res.end (as compression does), so the adapter holds the response on the instance instead
 * of through Express's prototype: the migration must work the same on both.
 */
function startNewApp(
  sessions: Sessions<NewData>,
  migrate: SessionMigration,
  wrapEndFirst = false,
): Promise<RunningApp> {
  const app = express();
  if (wrapEndFirst) {
    app.use((_req, res, next) => {
      const end = res.end;
      res.end = function wrappedEnd(this: unknown, ...args: unknown[]) {
        return Reflect.apply(end, this, args);
      } as typeof res.end;
      next();
    });
  }
  app.use(session(sessions, { migrate }));
  app.get('/me', async (req, res) => {
    const cart = (await req.session.get('cart')) ?? [];
    res.json({
      user: await req.session.userId(),
      cart,
      keys: Object.keys(await req.session.entries()).sort(),
    });
  });
  app.get('/fail', (_req, res) => {
    res.status(500).send('broken');
  });
  return listen(createServer(app));
}

function legacyGet(store: LegacyStore, sid: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    store.get(sid, (error, data) => (error ? reject(error) : resolve(data ?? undefined)));
  });
}

function describeMigration(
  storeName: string,
  makeStore: () => Promise<{ store: LegacyStore; close(): Promise<void> }>,
) {
  describe(`express-session migration from ${storeName}`, () => {
    let legacy: { store: LegacyStore; close(): Promise<void> };
    let oldApp: RunningApp;
    let newApp: RunningApp;
    let wrappedApp: RunningApp;
    before(async () => {
      legacy = await makeStore();
      oldApp = await startOldApp(legacy.store);
      const sessions = createSessions<NewData>({
        store: memoryStore(),
        cookie: { secure: false, name: 'sid' },
      });
      const migrate = expressSessionMigration({
        secret: ['a newer secret nobody used', SECRET],
        store: legacy.store,
        userId: (data) => (typeof data.user === 'string' ? data.user : undefined),
      });
      newApp = await startNewApp(sessions, migrate);
      wrappedApp = await startNewApp(sessions, migrate, true);
    });
    after(async () => {
      await oldApp.close();
      await newApp.close();
      await wrappedApp.close();
      await legacy.close();
    });

    /** Logs in on the old app and returns its `connect.sid` cookie and session id. */
    async function oldLogin(): Promise<{ cookie: string; sid: string }> {
      const reply = await request(`${oldApp.url}/login`, { method: 'POST' });
      const set = parseSetCookie(reply.setCookie[0]!);
      assert.equal(set.name, 'connect.sid');
      const sid = unsignCookie(decodeURIComponent(set.value), [SECRET]);
      assert.ok(sid, 'express-session signed the cookie the way we verify it');
      return { cookie: `connect.sid=${set.value}`, sid };
    }

    async function migratesOn(app: () => RunningApp) {
      const old = await oldLogin();
      assert.ok(await legacyGet(legacy.store, old.sid), 'the old store holds the session');
      const first = await request(`${app().url}/me`, { cookie: old.cookie });
      assert.equal(first.status, 200);
      assert.deepEqual(JSON.parse(first.body), {
        user: 'erin',
        cart: ['sku-1', 'sku-2'],
        keys: ['cart', 'user'],
      });
      const cookies = first.setCookie.map(parseSetCookie);
      const cleared = cookies.find((c) => c.name === 'connect.sid');
      assert.equal(cleared?.value, '');
      assert.equal(cleared?.attributes.get('max-age'), '0');
      assert.equal(cleared?.attributes.get('path'), '/');
      assert.ok(cleared?.attributes.has('httponly'), 'HttpOnly, as express-session set it');
      assert.equal(cleared?.attributes.get('samesite'), 'Lax', "coatcheck's own cookie's SameSite");
      assert.ok(!cleared?.attributes.has('secure'), "coatcheck's own cookie is not Secure here");
      assert.equal(await legacyGet(legacy.store, old.sid), undefined, 'the old session is destroyed');
      const jar = new Jar('sid');
      jar.take(first);
      assert.ok(jar.value, 'a coatcheck cookie was issued');
      const second = await request(`${app().url}/me`, { cookie: jar.header! });
      assert.deepEqual(JSON.parse(second.body), {
        user: 'erin',
        cart: ['sku-1', 'sku-2'],
        keys: ['cart', 'user'],
      });
      assert.deepEqual(second.setCookie, []);
    }

    it(`${storeName}: an express-session user keeps data and login, the old session and cookie go`, async () => {
      await migratesOn(() => newApp);
    });

    it(`${storeName}: the same when a middleware before ours wrapped res.end (the response held on the instance)`, async () => {
      await migratesOn(() => wrappedApp);
    });

    it(`${storeName}: a forged express-session cookie is ignored and left alone`, async () => {
      const old = await oldLogin();
      const forged = old.cookie.slice(0, -3) + (old.cookie.endsWith('AAA') ? 'BBB' : 'AAA');
      const reply = await request(`${newApp.url}/me`, { cookie: forged });
      assert.deepEqual(JSON.parse(reply.body), { user: null, cart: [], keys: [] });
      assert.deepEqual(reply.setCookie, []);
      assert.ok(await legacyGet(legacy.store, old.sid), 'the old session is still there');
    });

    it(`${storeName}: a live coatcheck session wins over an old cookie`, async () => {
      const migrated = await request(`${newApp.url}/me`, { cookie: (await oldLogin()).cookie });
      const jar = new Jar('sid');
      jar.take(migrated);
      const other = await oldLogin();
      const reply = await request(`${newApp.url}/me`, { cookie: `${jar.header}; ${other.cookie}` });
      assert.equal(JSON.parse(reply.body).user, 'erin');
      assert.ok(await legacyGet(legacy.store, other.sid), 'not migrated, not destroyed');
      assert.deepEqual(reply.setCookie, []);
    });

    it(`${storeName}: a 5xx response migrates nothing, so the next request still can`, async () => {
      const old = await oldLogin();
      const failed = await request(`${newApp.url}/fail`, { cookie: old.cookie });
      assert.equal(failed.status, 500);
      assert.deepEqual(failed.setCookie, []);
      assert.ok(await legacyGet(legacy.store, old.sid), 'the old session survives a failed response');
      const retry = await request(`${newApp.url}/me`, { cookie: old.cookie });
      assert.equal(JSON.parse(retry.body).user, 'erin');
    });
  });
}

describe('express-session migration: the old cookie is cleared with the right attributes', () => {
  async function clearedBy(
    cookie: { secure: boolean; sameSite?: 'lax' | 'strict' | 'none' },
    old?: Parameters<typeof expressSessionMigration>[0]['cookie'],
  ) {
    const store = new expressSession.MemoryStore();
    const oldApp = await startOldApp(store);
    const sessions = createSessions<NewData>({ store: memoryStore(), cookie: { ...cookie, name: 'sid' } });
    const migrate = expressSessionMigration({ secret: SECRET, store, ...(old ? { cookie: old } : {}) });
    const newApp = await startNewApp(sessions, migrate);
    try {
      const login = await request(`${oldApp.url}/login`, { method: 'POST' });
      const oldCookie = login.setCookie[0]!.split(';')[0]!;
      const reply = await request(`${newApp.url}/me`, { cookie: oldCookie });
      assert.equal(JSON.parse(reply.body).user, null, 'no userId option: data only');
      const cleared = reply.setCookie.map(parseSetCookie).find((c) => c.name === 'connect.sid');
      assert.ok(cleared, 'the old cookie is cleared');
      assert.equal(cleared.value, '');
      assert.equal(cleared.attributes.get('max-age'), '0');
      return cleared.attributes;
    } finally {
      await oldApp.close();
      await newApp.close();
    }
  }

  it("express: by default the deletion is Secure and has SameSite as coatcheck's own cookie", async () => {
    const attributes = await clearedBy({ secure: true, sameSite: 'strict' });
    assert.ok(attributes.has('secure'));
    assert.equal(attributes.get('samesite'), 'Strict');
    assert.equal(attributes.get('path'), '/');
  });

  it("express: the old cookie's own attributes, when given, are the ones repeated", async () => {
    const attributes = await clearedBy(
      { secure: true, sameSite: 'lax' },
      { path: '/shop', sameSite: 'none', httpOnly: false },
    );
    assert.equal(attributes.get('path'), '/shop');
    assert.equal(attributes.get('samesite'), 'None');
    assert.ok(attributes.has('secure'), 'SameSite=None needs Secure');
    assert.ok(!attributes.has('httponly'));
  });

  it('express: an old cookie name a Set-Cookie cannot carry fails at start-up, not on a request', () => {
    const store = new expressSession.MemoryStore();
    assert.throws(() => expressSessionMigration({ secret: SECRET, store, name: 'connect sid' }), CookieError);
  });
});

describeMigration('the express-session MemoryStore', async () => ({
  store: new expressSession.MemoryStore(),
  close: async () => {},
}));

const redisSkip = await serviceSkipReason('redis');
if (redisSkip === undefined) {
  describeMigration('connect-redis', async () => {
    const client = createClient({ url: serviceUrls.redis });
    await client.connect();
    const store = new RedisStore({ client, prefix: `${uniqueName('sess')}:` }) as unknown as LegacyStore;
    return { store, close: async () => void (await client.quit()) };
  });
} else {
  it('connect-redis migration', { skip: redisSkip }, () => {});
}
