/**
 * coatcheck/express-session against express-session's own test suite (expressjs/session,
 * test/session.js): each documented behaviour that applies, written again for a real Express 5 app
 * on a real listener and the real memory store (counted, so "saved" means a store write). Where
 * coatcheck differs on purpose, the test states coatcheck's behaviour and says so in its title;
 * docs/express-session-compat.md lists each difference with its reason.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, describe, it } from 'node:test';
import express from 'express';
import { type ExpressSessionOptions, session } from '../../src/adapters/express-session.ts';
import { ConfigError, createSessions, type Store } from '../../src/index.ts';
import { createTestSession, readResponseSession } from '../../src/testing/index.ts';
import type { CountedStore } from '../support/counting-store.ts';
import {
  type Clock,
  clock,
  countedStore,
  failingReads,
  Jar,
  MINUTE,
  parseSetCookie,
  request,
  serve,
} from './support.ts';

// These tests store arbitrary keys; an app declares its own (see docs/express-session-compat.md).
declare module '../../src/adapters/express-session.ts' {
  interface SessionData {
    [key: string]: unknown;
  }
}

type Handler = (req: express.Request, res: express.Response, next: express.NextFunction) => void;

interface App {
  readonly url: (path: string) => string;
  readonly store: CountedStore;
  readonly time: Clock;
  readonly middleware: ReturnType<typeof session>;
  close(): Promise<void>;
}

const open: App[] = [];
after(() => Promise.all(open.map((app) => app.close())));

/** An Express app with the middleware (`options` over plain-http defaults), then `handler`. */
async function app(
  options: Partial<ExpressSessionOptions> = {},
  handler: Handler = (_req, res) => res.end(),
  wrap: (store: Store) => Store = (store) => store,
  before?: Handler,
): Promise<App> {
  const time = clock();
  const store = countedStore(time);
  const middleware = session({
    ...options,
    store: wrap(store),
    cookie: { secure: false, ...options.cookie },
    coatcheck: { now: () => time.now, ...options.coatcheck },
  });
  const server = express();
  server.set('env', 'test');
  if (before !== undefined) server.use(before);
  server.use(middleware);
  server.use(handler);
  server.use(
    (
      error: Error & { status?: number },
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      res
        .status(error.status ?? 500)
        .type('text/plain')
        .send(error.message);
    },
  );
  const running = await serve(createServer(server));
  const started = { ...running, store, time, middleware };
  open.push(started);
  return started;
}

/** The value of the `sid` cookie a reply sets, if any. */
function sidOf(setCookie: readonly string[]): string | undefined {
  const header = setCookie.find((value) => value.startsWith('sid='));
  return header === undefined ? undefined : parseSetCookie(header).value;
}

const writes = (store: CountedStore) =>
  (store.calls.get('create') ?? 0) + (store.calls.get('update') ?? 0) + (store.calls.get('rotate') ?? 0);

describe('express-session compat: sessions', () => {
  it('express-session: should create a new session (stored once it holds data, with a cookie)', async () => {
    const t = await app({}, (req, res) => {
      req.session.active = true;
      res.end('session active');
    });
    const reply = await request(t.url('/'));
    assert.equal(reply.body, 'session active');
    assert.equal(t.store.calls.get('create'), 1);
    const stored = await readResponseSession(t.middleware.sessions, { setCookie: reply.setCookie });
    assert.deepEqual(stored?.data, { active: true });
  });

  it('express-session: should load session from cookie sid', async () => {
    const t = await app({}, (req, res) => {
      req.session.num = ((req.session.num as number | undefined) ?? 0) + 1;
      res.end(`session ${req.session.num}`);
    });
    const jar = new Jar('sid');
    jar.take(await request(t.url('/')));
    assert.equal((await request(t.url('/'), { cookie: jar.header! })).body, 'session 2');
  });

  it('express-session: should create multiple sessions', async () => {
    const t = await app({}, (req, res) => {
      req.session.hit = true;
      res.end();
    });
    const [a, b] = await Promise.all([request(t.url('/')), request(t.url('/'))]);
    assert.notEqual(sidOf(a!.setCookie), sidOf(b!.setCookie));
    assert.equal(t.store.calls.get('create'), 2);
  });

  it('express-session: should do nothing if req.session exists', async () => {
    const t = await app(
      {},
      (_req, res) => res.end('ok'),
      undefined,
      (req, _res, next) => {
        (req as { session?: unknown }).session = {};
        next();
      },
    );
    const reply = await request(t.url('/'));
    assert.deepEqual(reply.setCookie, []);
    assert.equal(t.store.total(), 0);
  });

  it('express-session: should handle multiple res.end calls and res.end(null)', async () => {
    const t = await app({}, (req, res) => {
      if (req.path === '/null') {
        res.end(null);
        return;
      }
      res.setHeader('Content-Type', 'text/plain');
      res.end('Hello, world!');
      res.end();
    });
    assert.equal((await request(t.url('/'))).body, 'Hello, world!');
    assert.equal((await request(t.url('/null'))).status, 200);
  });

  it('express-session: should handle reserved properties in storage (a stored "save" key neither hides the method nor is lost)', async () => {
    const t = await app({}, (req, res) => {
      req.session.num = ((req.session.num as number | undefined) ?? 0) + 1;
      req.session.save(() => res.end(`saved ${typeof req.session.save}`));
    });
    const { cookie } = await createTestSession(t.middleware.sessions, { data: { save: 'nope', num: 1 } });
    const reply = await request(t.url('/'), { cookie: cookie! });
    assert.equal(reply.body, 'saved function');
    const stored = await readResponseSession(t.middleware.sessions, {
      setCookie: [],
      ticket: cookie!.slice(4),
    });
    assert.deepEqual(stored?.data, { save: 'nope', num: 2 });
  });

  it('express-session: should only have session data enumerable (changed on purpose: without "cookie")', async () => {
    const t = await app({}, (req, res) => {
      req.session.test1 = 1;
      req.session.test2 = 'b';
      const keys: string[] = [];
      for (const key in req.session) keys.push(key);
      res.end(`${Object.keys(req.session).sort().join(',')}|${keys.sort().join(',')}`);
    });
    assert.equal((await request(t.url('/'))).body, 'test1,test2|test1,test2');
  });

  it('express-session: should have saved session when the response ended (multi-write and streamed)', async () => {
    const t = await app({}, (req, res) => {
      req.session.hit = true;
      res.write('hello, ');
      setTimeout(() => res.end('world!'), 20);
    });
    const reply = await request(t.url('/'));
    assert.equal(reply.body, 'hello, world!');
    const stored = await readResponseSession(t.middleware.sessions, { setCookie: reply.setCookie });
    assert.deepEqual(stored?.data, { hit: true });
  });

  it('express-session: when sid not in store, should create a new session with a new sid', async () => {
    const t = await app({}, (req, res) => {
      req.session.hit = true;
      res.end(String(req.session.id.length));
    });
    const jar = new Jar('sid');
    jar.take(await request(t.url('/')));
    const first = jar.value;
    await t.store.delete(await storeKeyOf(t, first!));
    const reply = await request(t.url('/'), { cookie: jar.header! });
    assert.equal(reply.body, '43');
    assert.notEqual(sidOf(reply.setCookie), first);
  });

  it('express-session: when sid not properly signed, should generate a new session without a store fetch', async () => {
    const secret = 'a-secret-of-at-least-thirty-two-bytes!!';
    const t = await app({ coatcheck: { secrets: [secret] } }, (req, res) => {
      req.session.hit = true;
      res.end();
    });
    const jar = new Jar('sid');
    jar.take(await request(t.url('/')));
    t.store.reset();
    const forged = `${jar.value!.split('.')[0]}.${'A'.repeat(43)}`;
    const reply = await request(t.url('/'), { cookie: `sid=${forged}` });
    assert.equal(t.store.calls.get('get'), undefined);
    assert.notEqual(sidOf(reply.setCookie), forged);
  });

  it('express-session: when session expired in store, should create a new session and not revive the old one', async () => {
    const t = await app({ cookie: { maxAge: MINUTE } }, (req, res) => {
      req.session.count = ((req.session.count as number | undefined) ?? 0) + 1;
      res.end(String(req.session.count));
    });
    const jar = new Jar('sid');
    jar.take(await request(t.url('/')));
    const old = jar.value!;
    t.time.now += 2 * MINUTE;
    const reply = await request(t.url('/'), { cookie: jar.header! });
    assert.equal(reply.body, '1');
    assert.notEqual(sidOf(reply.setCookie), old);
    assert.equal(await t.store.get(await storeKeyOf(t, old)), undefined);
  });

  it('express-session: should pass session fetch error (changed on purpose: a StoreUnavailableError, status 503)', async () => {
    const t = await app({}, (_req, res) => res.end('never'), failingReads);
    const { cookie } = await createTestSession(t.middleware.sessions, { data: { a: 1 } });
    const reply = await request(t.url('/'), { cookie: cookie! });
    assert.equal(reply.status, 503);
  });

  it('express-session: req.session.id and req.sessionID are the session id, a hash and not the ticket', async () => {
    const t = await app({}, (req, res) => {
      req.session.hit = true;
      res.end(`${req.sessionID}|${req.session.id}`);
    });
    const reply = await request(t.url('/'));
    const [sessionID, id] = reply.body.split('|');
    assert.equal(sessionID, id);
    assert.notEqual(sessionID, sidOf(reply.setCookie));
    assert.equal(sessionID, await storeKeyOf(t, sidOf(reply.setCookie)!));
    const events: string[] = [];
    t.middleware.sessions.on('create', (event) => events.push(event.sessionId!));
    const second = await request(t.url('/'));
    assert.deepEqual(events, [second.body.split('|')[0]]);
  });
});

describe('express-session compat: options', () => {
  it('express-session: genid, cookie.secure "auto", a bogus unset and cookie.expires are refused with a ConfigError naming the fix', () => {
    const store = countedStore(clock());
    const refused = (options: Record<string, unknown>, pattern: RegExp) =>
      assert.throws(
        () => session({ store, ...options } as ExpressSessionOptions),
        (error: unknown) => error instanceof ConfigError && pattern.test(error.message),
      );
    refused({ genid: () => 'id' }, /genid.*cannot be made safe/);
    refused({ cookie: { secure: 'auto' } }, /secure: 'auto'.*true.*false/);
    refused({ cookie: { sameSite: 'auto' } }, /sameSite: 'auto'/);
    refused({ unset: 'bogus!' }, /unset.*must/);
    refused({ cookie: { expires: new Date() } }, /cookie\.expires.*maxAge/);
    refused({ cookie: { priority: 'high' } }, /cookie\.priority.*not offered/);
    refused({ cookie: () => ({}) }, /cookie.*object/);
    refused({ store: undefined, sessions: createSessions({ store }), name: 'x' }, /name.*with `sessions`/);
  });

  it('express-session: secret is accepted (string, list, Buffer) and not used: the cookie is the bare ticket', async () => {
    for (const secret of ['keyboard cat', ['one', 'two'], Buffer.from('bytes')] as const) {
      const t = await app({ secret }, (req, res) => {
        req.session.hit = true;
        res.end();
      });
      assert.match(sidOf((await request(t.url('/'))).setCookie)!, /^[A-Za-z0-9_-]{43}$/);
    }
  });

  it('express-session: name option should set the cookie name (and key is its alias)', async () => {
    for (const options of [{ name: 'session_id' }, { key: 'session_id' }]) {
      const t = await app(options, (req, res) => {
        req.session.hit = true;
        res.end();
      });
      assert.match((await request(t.url('/'))).setCookie[0]!, /^session_id=/);
    }
  });

  it('express-session: cookie path "/foo/bar" sets no cookie for "/" and one for "/foo/bar/baz", mounted apps included', async () => {
    const t = await app({ cookie: { path: '/foo/bar' } }, (req, res) => {
      if (req.session) req.session.hit = true;
      res.end(typeof req.session);
    });
    const outside = await request(t.url('/'));
    assert.equal(outside.body, 'undefined');
    assert.deepEqual(outside.setCookie, []);
    const inside = await request(t.url('/foo/bar/baz'));
    assert.match(inside.setCookie[0] ?? '', /Path=\/foo\/bar/);

    const time = clock();
    const mounted = express();
    const sub = express();
    sub.use(session({ store: countedStore(time), cookie: { secure: false, path: '/foo/bar' } }));
    sub.use((req, res) => {
      if (req.session) req.session.hit = true;
      res.end();
    });
    mounted.use('/foo', sub);
    const running = await serve(createServer(mounted));
    try {
      assert.equal((await request(running.url('/foo/bar'))).setCookie.length, 1);
      assert.equal((await request(running.url('/foo/foo/bar'))).setCookie.length, 0);
    } finally {
      await running.close();
    }
  });

  it('express-session: rolling, either way, re-sends a persistent cookie when the idle window slides, and not before (changed on purpose: throttled by touchAfter)', async () => {
    for (const rolling of [false, true]) {
      const t = await app({ rolling, cookie: { maxAge: 20 * MINUTE } }, (req, res) => {
        req.session.user = 'bob';
        res.end();
      });
      const jar = new Jar('sid');
      jar.take(await request(t.url('/')));
      t.time.now += MINUTE;
      assert.deepEqual(
        (await request(t.url('/'), { cookie: jar.header! })).setCookie,
        [],
        `rolling ${rolling}`,
      );
      t.time.now += 5 * MINUTE; // past touchAfter (a quarter of the window)
      const slid = await request(t.url('/'), { cookie: jar.header! });
      assert.match(slid.setCookie[0] ?? '', /Max-Age=1200/, `rolling ${rolling}`);
    }
  });

  it('express-session: rolling should not force a cookie on an uninitialized session', async () => {
    const t = await app({ rolling: true, saveUninitialized: false });
    const reply = await request(t.url('/'));
    assert.deepEqual(reply.setCookie, []);
    assert.equal(t.store.total(), 0);
  });

  it('express-session: saveUninitialized true still stores no empty session (changed on purpose: lazy creation)', async () => {
    const t = await app({ saveUninitialized: true, rolling: true });
    const reply = await request(t.url('/'));
    assert.deepEqual(reply.setCookie, []);
    assert.equal(t.store.total(), 0);
  });

  it('express-session: saveUninitialized should still save a modified session', async () => {
    for (const saveUninitialized of [false, true]) {
      const t = await app({ saveUninitialized }, (req, res) => {
        req.session.count = 1;
        res.end();
      });
      assert.equal((await request(t.url('/'))).setCookie.length, 1);
      assert.equal(t.store.calls.get('create'), 1);
    }
  });

  it('express-session: resave false should prevent save on an unmodified session (and resave true does too, on purpose)', async () => {
    for (const resave of [false, true]) {
      const t = await app({ resave }, (req, res) => {
        req.session.user = 'bob';
        res.end();
      });
      const jar = new Jar('sid');
      jar.take(await request(t.url('/')));
      t.store.reset();
      await request(t.url('/'), { cookie: jar.header! });
      assert.equal(writes(t.store), 0, `resave ${resave}`);
      assert.equal(t.store.calls.get('get'), 1);
    }
  });

  it('express-session: resave false should still save a modified session', async () => {
    const t = await app({ resave: false }, (req, res) => {
      if (req.method === 'PUT') req.session.token = req.url.slice(1);
      res.end(`token=${(req.session.token as string | undefined) ?? ''}`);
    });
    const jar = new Jar('sid');
    const first = await request(t.url('/w6RHhwaA'), { method: 'PUT' });
    jar.take(first);
    assert.equal(first.body, 'token=w6RHhwaA');
    t.store.reset();
    assert.equal((await request(t.url('/'), { cookie: jar.header! })).body, 'token=w6RHhwaA');
    assert.equal(writes(t.store), 0);
    assert.equal(
      (await request(t.url('/zfQ3rzM3'), { method: 'PUT', cookie: jar.header! })).body,
      'token=zfQ3rzM3',
    );
    assert.equal(t.store.calls.get('update'), 1);
  });

  it('express-session: should detect a nested change (a "cookie" property inside a value) as modified', async () => {
    const t = await app({ resave: false }, (req, res) => {
      const user = (req.session.user ?? {}) as { name?: string; cookie?: number };
      req.session.user = user;
      user.name = 'bob';
      user.cookie = (user.cookie ?? 0) + 1;
      res.end(String(user.cookie));
    });
    const jar = new Jar('sid');
    jar.take(await request(t.url('/')));
    t.store.reset();
    assert.equal((await request(t.url('/'), { cookie: jar.header! })).body, '2');
    assert.equal(t.store.calls.get('update'), 1);
  });

  it("express-session: unset should default to keep (req.session = null drops the request's changes)", async () => {
    const t = await app({}, (req, res) => {
      req.session.count = ((req.session.count as number | undefined) ?? 0) + 1;
      if (req.session.count === 2) (req as { session?: unknown }).session = null;
      res.end();
    });
    const jar = new Jar('sid');
    jar.take(await request(t.url('/')));
    t.store.reset();
    await request(t.url('/'), { cookie: jar.header! });
    assert.equal(writes(t.store) + (t.store.calls.get('delete') ?? 0), 0);
    const stored = await readResponseSession(t.middleware.sessions, { setCookie: [], ticket: jar.value! });
    assert.deepEqual(stored?.data, { count: 1 });
  });

  it('express-session: unset "destroy" should destroy on req.session = null, and set no cookie for a new session', async () => {
    const t = await app({ unset: 'destroy' }, (req, res) => {
      if (req.path === '/new') {
        (req as { session?: unknown }).session = null;
        res.end();
        return;
      }
      req.session.count = ((req.session.count as number | undefined) ?? 0) + 1;
      if (req.session.count === 2) (req as { session?: unknown }).session = null;
      res.end();
    });
    const jar = new Jar('sid');
    jar.take(await request(t.url('/')));
    const ended = await request(t.url('/'), { cookie: jar.header! });
    assert.match(ended.setCookie[0] ?? '', /Max-Age=0/);
    assert.equal(await t.store.get(await storeKeyOf(t, jar.value!)), undefined);
    t.store.reset();
    const fresh = await request(t.url('/new'));
    assert.deepEqual(fresh.setCookie, []);
    assert.equal(t.store.total(), 0);
  });

  it('express-session: should correctly handle res.end/res.write patched prior', async () => {
    const calls: string[] = [];
    const t = await app(
      {},
      (req, res) => {
        req.session.hit = true;
        res.write('hello, ');
        res.end('world');
      },
      undefined,
      (_req, res, next) => {
        const end = res.end;
        const write = res.write;
        res.end = function patchedEnd(this: express.Response, ...args: unknown[]) {
          calls.push('end');
          return Reflect.apply(end, this, args);
        } as express.Response['end'];
        res.write = function patchedWrite(this: express.Response, ...args: unknown[]) {
          calls.push('write');
          return Reflect.apply(write, this, args);
        } as express.Response['write'];
        next();
      },
    );
    const reply = await request(t.url('/'));
    assert.equal(reply.body, 'hello, world');
    assert.equal(reply.setCookie.length, 1);
    assert.deepEqual(calls, ['write', 'end']);
  });
});

describe('express-session compat: req.session', () => {
  it('express-session: should persist', async () => {
    const t = await app({}, (req, res) => {
      req.session.count = ((req.session.count as number | undefined) ?? 0) + 1;
      res.end(`hits: ${req.session.count}`);
    });
    const jar = new Jar('sid');
    const first = await request(t.url('/'));
    jar.take(first);
    assert.equal(first.body, 'hits: 1');
    assert.equal((await request(t.url('/'), { cookie: jar.header! })).body, 'hits: 2');
  });

  it('express-session: should only set-cookie when modified (a browser-session cookie is sent once)', async () => {
    let modify = true;
    const t = await app({}, (req, res) => {
      if (modify) req.session.count = ((req.session.count as number | undefined) ?? 0) + 1;
      res.end(String(req.session.count));
    });
    const jar = new Jar('sid');
    const first = await request(t.url('/'));
    jar.take(first);
    assert.equal(first.setCookie.length, 1);
    const second = await request(t.url('/'), { cookie: jar.header! });
    assert.equal(second.body, '2');
    assert.deepEqual(second.setCookie, []);
    modify = false;
    assert.equal((await request(t.url('/'), { cookie: jar.header! })).body, '2');
  });

  it('express-session: .destroy() should destroy the previous session (req.session gone, cookie cleared)', async () => {
    const t = await app({}, (req, res) => {
      if (req.path === '/set') {
        req.session.hit = true;
        res.end();
        return;
      }
      req.session.destroy((error) => {
        if (error) res.statusCode = 500;
        res.end(String(req.session));
      });
    });
    const fresh = await request(t.url('/'));
    assert.equal(fresh.body, 'undefined');
    assert.deepEqual(fresh.setCookie, []);
    const jar = new Jar('sid');
    jar.take(await request(t.url('/set')));
    const destroyed = await request(t.url('/'), { cookie: jar.header! });
    assert.equal(destroyed.body, 'undefined');
    assert.match(destroyed.setCookie[0] ?? '', /Max-Age=0/);
    assert.equal(await t.store.get(await storeKeyOf(t, jar.value!)), undefined);
  });

  it('express-session: .regenerate() should destroy/replace the previous session', async () => {
    const t = await app({}, (req, res) => {
      const id = req.session.id;
      req.session.kept = 'no';
      req.session.regenerate((error) => {
        if (error) res.statusCode = 500;
        req.session.fresh = 'yes';
        res.end(`${req.session.id === id}|${String(req.session.kept)}`);
      });
    });
    const jar = new Jar('sid');
    jar.take(await request(t.url('/')));
    const before = jar.value!;
    const reply = await request(t.url('/'), { cookie: jar.header! });
    assert.equal(reply.body, 'false|undefined');
    assert.notEqual(sidOf(reply.setCookie), before);
    assert.equal(await t.store.get(await storeKeyOf(t, before)), undefined);
    const stored = await readResponseSession(t.middleware.sessions, { setCookie: reply.setCookie });
    assert.deepEqual(stored?.data, { fresh: 'yes' });
  });

  it('express-session: .reload() should reload session from store', async () => {
    const t = await app({}, (req, res, next) => {
      if (req.path === '/') {
        req.session.active = true;
        res.end('session created');
        return;
      }
      req.session.url = req.path;
      if (req.path === '/bar') {
        res.end(`saw ${req.session.url}`);
        return;
      }
      request(t.url('/bar'), { cookie: req.headers.cookie! }).then(() => {
        req.session.reload((error) => {
          if (error) return next(error);
          res.end(`saw ${String(req.session.url)}`);
        });
      }, next);
    });
    const jar = new Jar('sid');
    jar.take(await request(t.url('/')));
    assert.equal((await request(t.url('/foo'), { cookie: jar.header! })).body, 'saw /bar');
  });

  it('express-session: .reload() should error if the session is missing', async () => {
    const t = await app({}, (req, res) => {
      if (req.path === '/') {
        req.session.active = true;
        res.end('session created');
        return;
      }
      void storeKeyOf(t, /sid=([^;]+)/.exec(req.headers.cookie!)![1]!)
        .then((key) => t.store.delete(key))
        .then(() =>
          req.session.reload((error) => {
            res.statusCode = error ? 500 : 200;
            res.end(error ? (error as Error).message : '');
          }),
        );
    });
    const jar = new Jar('sid');
    jar.take(await request(t.url('/')));
    const reply = await request(t.url('/foo'), { cookie: jar.header! });
    assert.equal(reply.status, 500);
    assert.equal(reply.body, 'failed to load session');
  });

  it('express-session: .save() should save session to store before the response (one write, not two)', async () => {
    const t = await app({}, (req, res) => {
      req.session.hit = true;
      req.session.save((error) => {
        if (error) return res.end((error as Error).message);
        res.redirect('/next');
      });
    });
    const reply = await request(t.url('/'));
    assert.equal(reply.status, 302);
    assert.equal(writes(t.store), 1);
    const stored = await readResponseSession(t.middleware.sessions, { setCookie: reply.setCookie });
    assert.deepEqual(stored?.data, { hit: true });
  });

  it('express-session: .save() after the response is sent calls back with a SessionStateError', async () => {
    let late: unknown;
    const t = await app({}, (req, res) => {
      res.end('done', () => {
        req.session.save((error) => {
          late = error;
        });
      });
    });
    await request(t.url('/'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal((late as { code?: string } | undefined)?.code, 'COATCHECK_SESSION_STATE');
  });

  it('express-session: .touch() is accepted; the idle window slides by itself', async () => {
    const t = await app({ cookie: { maxAge: 20 * MINUTE } }, (req, res) => {
      req.session.hit = true;
      req.session.touch();
      res.end();
    });
    const jar = new Jar('sid');
    jar.take(await request(t.url('/')));
    const key = await storeKeyOf(t, jar.value!);
    const before = (await t.store.get(key))!.expiresAt;
    t.time.now += 6 * MINUTE;
    await request(t.url('/'), { cookie: jar.header! });
    assert.equal((await t.store.get(key))!.expiresAt, before + 6 * MINUTE);
  });

  it('express-session: a write not awaited by a callback is kept (the commit waits for regenerate)', async () => {
    const t = await app({}, (req, res) => {
      req.session.regenerate(() => {});
      setTimeout(() => {
        req.session.later = 1;
        res.end();
      }, 5);
    });
    const reply = await request(t.url('/'));
    const stored = await readResponseSession(t.middleware.sessions, { setCookie: reply.setCookie });
    assert.deepEqual(stored?.data, { later: 1 });
  });

  it('express-session: no save on a 5xx response', async () => {
    const t = await app({}, (req, res) => {
      req.session.hit = true;
      res.status(500).end();
    });
    const reply = await request(t.url('/'));
    assert.deepEqual(reply.setCookie, []);
    assert.equal(writes(t.store), 0);
  });

  it('express-session: an unstorable value fails the request loudly (500 naming the key), instead of being dropped', async () => {
    const t = await app({}, (req, res) => {
      req.session.callback = () => {};
      res.end();
    });
    const reply = await request(t.url('/'));
    assert.equal(reply.status, 500);
    assert.match(reply.body, /function/);
    assert.equal(writes(t.store), 0);
  });

  it('express-session: two tabs changing different keys keep both (a per-key patch, not a rewrite)', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const t = await app({}, (req, res) => {
      if (req.path === '/seed') {
        req.session.a = 0;
        req.session.b = 0;
        res.end();
        return;
      }
      const key = req.path === '/a' ? 'a' : 'b';
      req.session[key] = 1;
      // Both requests loaded the same record before either commits.
      if (key === 'a') void gate.then(() => res.end());
      else res.end();
    });
    const jar = new Jar('sid');
    jar.take(await request(t.url('/seed')));
    const first = request(t.url('/a'), { cookie: jar.header! });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await request(t.url('/b'), { cookie: jar.header! });
    release();
    await first;
    const stored = await readResponseSession(t.middleware.sessions, { setCookie: [], ticket: jar.value! });
    assert.deepEqual(stored?.data, { a: 1, b: 1 });
  });
});

describe('express-session compat: req.session.cookie', () => {
  it('express-session: should default to a browser-session length cookie', async () => {
    const t = await app({}, (req, res) => {
      req.session.hit = true;
      res.end(
        JSON.stringify([
          req.session.cookie.maxAge,
          req.session.cookie.expires,
          req.session.cookie.originalMaxAge,
        ]),
      );
    });
    const reply = await request(t.url('/'));
    assert.equal(reply.body, '[null,null,null]');
    assert.doesNotMatch(reply.setCookie[0]!, /Expires|Max-Age/);
  });

  it('express-session: should serialize its attributes from the options, and refuse a per-request change', async () => {
    const t = await app(
      { cookie: { httpOnly: false, path: '/admin', sameSite: true, partitioned: false } },
      (req, res) => {
        req.session.hit = true;
        const cookie = req.session.cookie;
        let refused = '';
        try {
          cookie.httpOnly = true;
        } catch (error) {
          refused = (error as Error).message;
        }
        res.end(
          JSON.stringify({
            httpOnly: cookie.httpOnly,
            path: cookie.path,
            sameSite: cookie.sameSite,
            secure: cookie.secure,
            refused,
          }),
        );
      },
    );
    const reply = await request(t.url('/admin'));
    const body = JSON.parse(reply.body) as Record<string, unknown>;
    assert.deepEqual(
      { ...body, refused: undefined },
      { httpOnly: false, path: '/admin', sameSite: 'strict', secure: false, refused: undefined },
    );
    assert.match(String(body.refused), /cookie\.httpOnly.*middleware options/);
    assert.doesNotMatch(reply.setCookie[0]!, /HttpOnly/);
    assert.match(reply.setCookie[0]!, /Path=\/admin/);
    assert.match(reply.setCookie[0]!, /SameSite=Strict/);
  });

  it('express-session: .originalMaxAge should equal the original maxAge for all requests', async () => {
    const t = await app({ cookie: { maxAge: 20 * MINUTE } }, (req, res) => {
      req.session.hit = true;
      res.end(JSON.stringify(req.session.cookie.originalMaxAge));
    });
    const jar = new Jar('sid');
    const first = await request(t.url('/'));
    jar.take(first);
    assert.equal(first.body, String(20 * MINUTE));
    t.time.now += MINUTE;
    assert.equal((await request(t.url('/'), { cookie: jar.header! })).body, String(20 * MINUTE));
  });

  it('express-session: .maxAge should set cookie expires relative to maxAge, and count down', async () => {
    const t = await app({ cookie: { maxAge: 20 * MINUTE } }, (req, res) => {
      req.session.hit = true;
      res.end(String(req.session.cookie.maxAge));
    });
    const jar = new Jar('sid');
    const first = await request(t.url('/'));
    jar.take(first);
    assert.equal(first.body, String(20 * MINUTE));
    assert.match(first.setCookie[0]!, /Max-Age=1200;/);
    const expires = Date.parse(parseSetCookie(first.setCookie[0]!).attributes.get('expires')!);
    assert.equal(expires, t.time.now + 20 * MINUTE);
    t.time.now += MINUTE;
    assert.equal((await request(t.url('/'), { cookie: jar.header! })).body, String(19 * MINUTE));
  });

  it('express-session: .maxAge should modify cookie expires when changed (changed on purpose: to the remember-me window)', async () => {
    const t = await app({ cookie: { maxAge: 20 * MINUTE }, coatcheck: { rememberMe: '30d' } }, (req, res) => {
      if (req.path === '/remember') req.session.cookie.maxAge = 30 * 24 * 60 * MINUTE;
      if (req.path === '/forget') req.session.cookie.maxAge = 20 * MINUTE;
      req.session.hit = true;
      res.end(String(req.session.cookie.originalMaxAge));
    });
    const jar = new Jar('sid');
    jar.take(await request(t.url('/')));
    const remembered = await request(t.url('/remember'), { cookie: jar.header! });
    jar.take(remembered);
    assert.match(remembered.setCookie[0]!, /Max-Age=2592000/);
    assert.equal(remembered.body, String(30 * 24 * 60 * MINUTE));
    const again = await request(t.url('/'), { cookie: jar.header! });
    assert.equal(again.body, String(30 * 24 * 60 * MINUTE));
    const forgot = await request(t.url('/forget'), { cookie: jar.header! });
    assert.match(forgot.setCookie[0]!, /Max-Age=1200/);
  });

  it('express-session: .expires = null should be a browser-session cookie, and not reset the cookie', async () => {
    const t = await app({}, (req, res) => {
      req.session.cookie.expires = null;
      req.session.hit = ((req.session.hit as number | undefined) ?? 0) + 1;
      res.end();
    });
    const jar = new Jar('sid');
    const first = await request(t.url('/'));
    jar.take(first);
    assert.doesNotMatch(first.setCookie[0]!, /Expires/);
    assert.deepEqual((await request(t.url('/'), { cookie: jar.header! })).setCookie, []);
  });

  it('express-session: .expires given a Date in the future turns remember-me on; the classic "remember me" idiom works', async () => {
    const t = await app({}, (req, res) => {
      req.session.user = 'ann';
      if (req.query.remember === '1')
        req.session.cookie.expires = new Date(t.time.now + 7 * 24 * 60 * MINUTE);
      else req.session.cookie.expires = false as unknown as null;
      res.end();
    });
    assert.match((await request(t.url('/?remember=1'))).setCookie[0]!, /Max-Age=2592000/);
    assert.doesNotMatch((await request(t.url('/'))).setCookie[0]!, /Max-Age/);
  });

  it('express-session: should preserve cookies set before writeHead and in writeHead', async () => {
    const t = await app({}, (req, res) => {
      req.session.hit = true;
      if (req.path === '/head') res.writeHead(200, { 'Set-Cookie': 'previous=cookieValue' });
      else res.setHeader('Set-Cookie', 'previous=cookieValue');
      res.end();
    });
    for (const path of ['/', '/head']) {
      const reply = await request(t.url(path));
      assert.ok(reply.setCookie.includes('previous=cookieValue'), path);
      assert.ok(
        reply.setCookie.some((value) => value.startsWith('sid=')),
        path,
      );
    }
  });
});

/** The store key of a ticket, found the way core finds it (through a test session's id). */
async function storeKeyOf(t: App, ticket: string): Promise<string> {
  const { sessionIdOf } = await import('../../src/adapters/kit/session-id.ts');
  const session = t.middleware.sessions.load({ cookie: `sid=${ticket}` });
  return sessionIdOf(session);
}
