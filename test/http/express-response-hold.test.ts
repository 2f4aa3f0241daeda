/**
 * The Express adapter holds responses through methods defined once on Express's response
 * prototype (cheap), and falls back to patching the response itself whenever that would not be
 * safe. Each case checks what the browser receives: the cookie, the body, the data kept.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { getSession, session } from '../../src/adapters/express.ts';
import { withSessions } from '../../src/adapters/node.ts';
import { createSessions, SessionStateError, type Sessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { listen } from './apps/listen.ts';
import type { RunningApp } from './apps/types.ts';
import { Jar, request } from './client.ts';

type Data = { note?: string };

function newSessions(): Sessions<Data> {
  return createSessions<Data>({ store: memoryStore(), cookie: { name: 'sid', secure: false } });
}

/** A middleware that wraps res.end the way compression or on-headers do, and records that it ran. */
function wrapsEnd(log: string[], label: string) {
  return (_req: express.Request, res: express.Response, next: express.NextFunction) => {
    const end = res.end;
    res.end = function wrappedEnd(this: ServerResponse, ...args: unknown[]) {
      log.push(label);
      return Reflect.apply(end, this, args);
    } as typeof res.end;
    next();
  };
}

describe('express adapter: how responses are held', () => {
  const sessions = newSessions();
  const seen: Record<string, boolean> = {};
  const log: string[] = [];
  let app: RunningApp;
  before(async () => {
    const server = express();
    server.set('env', 'test');
    server.use('/before', wrapsEnd(log, 'before'));
    server.use(session(sessions));
    server.use('/after', wrapsEnd(log, 'after'));
    const write = (path: string) =>
      server.get(path, (req, res, next) => {
        getSession(req, sessions)
          .set('note', path)
          .then(() => {
            seen[path] = Object.hasOwn(res, 'end');
            res.send('ok');
          }, next);
      });
    for (const path of ['/plain', '/before/write', '/after/write']) write(path);
    server.get('/replaced', (req, res, next) => {
      getSession(req, sessions)
        .set('note', '/replaced')
        .then(() => {
          // App code replacing req.session (a cookie-session habit) must not cost the commit.
          (req as unknown as { session: unknown }).session = null;
          res.send('ok');
        }, next);
    });
    server.get('/locals-copied', (req, res, next) => {
      getSession(req, sessions)
        .set('note', '/locals-copied')
        .then(() => {
          // A habit of some apps: replace res.locals by a copy with more keys. The hold is in there.
          res.locals = { ...res.locals, user: 'ada' };
          res.send('ok');
        }, next);
    });
    server.get('/late', (req, res) => {
      // Headers first, session after: too late to send a cookie, so the use must fail loudly.
      res.writeHead(200, { 'content-type': 'text/plain' });
      getSession(req, sessions)
        .set('note', 'too late')
        .then(
          () => res.end('no error'),
          (error: unknown) => res.end(error instanceof SessionStateError ? error.code : String(error)),
        );
    });
    const sub = express();
    sub.get('/write', (req, res, next) => {
      getSession(req, sessions)
        .set('note', 'sub-app')
        .then(() => res.send('ok'), next);
    });
    server.use('/sub', sub);
    server.get('/late-after-read', (req, res) => {
      // The session is read before the head goes out but first used after it: still too late.
      const held = getSession(req, sessions);
      res.writeHead(200, { 'content-type': 'text/plain' });
      held.set('note', 'too late').then(
        () => res.end('no error'),
        (error: unknown) => res.end(error instanceof SessionStateError ? error.code : String(error)),
      );
    });
    // `res.end` is read before its argument is evaluated: the hold must already be in place.
    server.get('/read-in-end', async (req, res) => {
      res.end(String((await getSession(req, sessions).get('note')) ?? '(none)'));
    });
    app = await listen(server as unknown as Parameters<typeof listen>[0]);
  });
  after(() => app.close());

  async function noteAfter(path: string): Promise<{ note: string }> {
    const reply = await request(`${app.url}${path}`);
    assert.equal(reply.status, 200, path);
    const jar = new Jar('sid');
    jar.take(reply);
    assert.ok(jar.header, `${path} set the session cookie`);
    const note = (await request(`${app.url}/read-in-end`, { cookie: jar.header })).body;
    return { note };
  }

  it('express: a plain app holds the response without patching it, and the commit lands before the headers', async () => {
    assert.equal((await noteAfter('/plain')).note, '/plain');
    assert.equal(seen['/plain'], false, 'no own method on res: held through the prototype');
  });

  it('express: a middleware before ours that wrapped res.end still sees the commit land (instance hold)', async () => {
    log.length = 0;
    assert.equal((await noteAfter('/before/write')).note, '/before/write');
    assert.equal(seen['/before/write'], true, 'res patched: held on the instance');
    assert.deepEqual(log, ['before']);
  });

  it('express: a middleware after ours wraps our held end, and the commit lands', async () => {
    log.length = 0;
    assert.equal((await noteAfter('/after/write')).note, '/after/write');
    assert.deepEqual(log, ['after']);
  });

  it('express: replacing req.session after using it still commits the session', async () => {
    assert.equal((await noteAfter('/replaced')).note, '/replaced');
  });

  it('express: replacing res.locals by a spread copy after using the session still commits it', async () => {
    assert.equal((await noteAfter('/locals-copied')).note, '/locals-copied');
  });

  it('express: a route in a mounted sub-app (its own response prototype) is committed', async () => {
    assert.equal((await noteAfter('/sub/write')).note, 'sub-app');
  });

  it('express: a first use after res.writeHead() fails with SessionStateError and sets no cookie', async () => {
    const reply = await request(`${app.url}/late`);
    assert.equal(reply.body, 'COATCHECK_SESSION_STATE');
    assert.deepEqual(reply.setCookie, []);
  });

  it('express: with a ticket, a first use after the head went out fails, whether or not req.session was read before', async () => {
    const jar = new Jar('sid');
    jar.take(await request(`${app.url}/plain`));
    for (const path of ['/late', '/late-after-read']) {
      const reply = await request(`${app.url}${path}`, { cookie: jar.header! });
      assert.equal(reply.body, 'COATCHECK_SESSION_STATE', path);
      assert.deepEqual(reply.setCookie, [], path);
    }
    // The session the ticket names was not changed by either.
    const after = await request(`${app.url}/read-in-end`, { cookie: jar.header! });
    assert.equal(after.body, '/plain');
  });

  it('express: res.end(await session.get(...)) sends a whole response', async () => {
    const jar = new Jar('sid');
    jar.take(await request(`${app.url}/plain`));
    const reply = await request(`${app.url}/read-in-end`, { cookie: jar.header! });
    assert.equal(reply.body, '/plain');
    assert.match(reply.headers.get('vary') ?? '', /cookie/i);
  });
});

describe('express adapter: two session middlewares on one app', () => {
  const users = newSessions();
  const admins = createSessions<Data>({ store: memoryStore(), cookie: { name: 'admin', secure: false } });
  let app: RunningApp;
  before(async () => {
    const server = express();
    server.set('env', 'test');
    server.use(session(users));
    const adminSession = session(admins);
    server.get('/both', (req, res, next) => {
      const user = getSession(req, users);
      user.set('note', 'user').then(() => {
        adminSession(req, res, (error?: unknown) => {
          if (error !== undefined) return next(error);
          getSession(req, admins)
            .set('note', 'admin')
            .then(() => res.send('both'), next);
        });
      }, next);
    });
    app = await listen(server as unknown as Parameters<typeof listen>[0]);
  });
  after(() => app.close());

  it('express: a second Sessions on the same request is held too, and both cookies are sent', async () => {
    const reply = await request(`${app.url}/both`);
    assert.equal(reply.body, 'both');
    const names = reply.setCookie.map((cookie) => cookie.split('=')[0]).sort();
    assert.deepEqual(names, ['admin', 'sid']);
  });
});

describe('node adapter: res.end(await session.get(...))', () => {
  const sessions = newSessions();
  let app: RunningApp;
  before(async () => {
    app = await listen(
      withSessions(sessions, async (req, res, s) => {
        if (req.url === '/write') {
          await s.set('note', 'kept');
          res.end('written');
        } else res.end(String((await s.get('note')) ?? '(none)'));
      }),
    );
  });
  after(() => app.close());

  it('node: a handler that reads the session inside res.end(...) sends a whole response', async () => {
    const jar = new Jar('sid');
    jar.take(await request(`${app.url}/write`));
    for (let i = 0; i < 3; i++) {
      assert.equal((await request(`${app.url}/read`, { cookie: jar.header! })).body, 'kept');
    }
  });
});

describe('express adapter: req.ip is looked up only at login', () => {
  const sessions = newSessions();
  let trustCalls = 0;
  let app: RunningApp;
  before(async () => {
    const server = express();
    server.set('env', 'test');
    // Express calls the trust function for every `req.ip`: counting its calls counts lookups.
    server.set('trust proxy', (_address: string, hop: number) => {
      trustCalls++;
      return hop === 0;
    });
    server.use(session(sessions));
    server.get('/login', (req, res, next) => {
      getSession(req, sessions)
        .login('ada')
        .then(() => res.send('in'), next);
    });
    server.get('/read', (req, res, next) => {
      getSession(req, sessions)
        .get('note')
        .then((note) => res.send(String(note ?? '(none)')), next);
    });
    server.get('/sessions', (_req, res, next) => {
      sessions.listUser('ada').then((list) => res.json(list.map((entry) => entry.ip)), next);
    });
    app = await listen(server as unknown as Parameters<typeof listen>[0]);
  });
  after(() => app.close());

  it('express: requests that do not log in never compute req.ip; login records the forwarded address', async () => {
    const forwarded = { 'x-forwarded-for': '203.0.113.7' };
    for (let i = 0; i < 5; i++) await request(`${app.url}/read`, { headers: forwarded });
    assert.equal(trustCalls, 0, 'no req.ip lookup without a login');
    await request(`${app.url}/login`, { headers: forwarded });
    assert.ok(trustCalls > 0, 'login looked the address up');
    const ips = JSON.parse((await request(`${app.url}/sessions`)).body) as unknown[];
    assert.deepEqual(ips, ['203.0.113.7']);
  });
});

describe('express adapter: req.session', () => {
  const sessions = newSessions();
  const seen: Record<string, unknown> = {};
  let app: RunningApp;
  before(async () => {
    const server = express();
    server.set('env', 'test');
    server.get('/before', (req, res) => {
      seen.before = (req as { session?: unknown }).session;
      res.send('before');
    });
    server.use(session(sessions));
    server.get('/mine', (req, res, next) => {
      seen.same = req.session === getSession(req, sessions);
      req.session.set('note', 'via req.session').then(() => res.send('ok'), next);
    });
    server.get('/assigned', (req, res) => {
      // Other code may still assign the property; it then reads back what it assigned.
      const replacement = { replaced: true };
      (req as unknown as { session: unknown }).session = replacement;
      seen.assigned = (req as unknown as { session: unknown }).session === replacement;
      res.send('assigned');
    });
    app = await listen(server as unknown as Parameters<typeof listen>[0]);
  });
  after(() => app.close());

  it('express: req.session is the session; assignments and earlier routes behave as usual', async () => {
    const reply = await request(`${app.url}/mine`);
    assert.equal(reply.setCookie.length, 1, 'the write through req.session was committed');
    assert.equal(seen.same, true);
    await request(`${app.url}/before`);
    assert.equal(seen.before, undefined, 'a route before the middleware has no session');
    assert.equal((await request(`${app.url}/assigned`)).body, 'assigned');
    assert.equal(seen.assigned, true);
  });
});

describe('express adapter: a request that never uses its session', () => {
  const sessions = newSessions();
  const seen: Record<string, string[]> = {};
  const ownKeys = (value: object) => Reflect.ownKeys(value).map(String).sort();
  let app: RunningApp;
  before(async () => {
    // Two mounted apps, one with the middleware and one without, the same route in each: what
    // a request owns must be the same, so the untouched request paid for no property.
    const server = express();
    server.set('env', 'test');
    for (const withSession of [true, false]) {
      const sub = express();
      if (withSession) sub.use(session(sessions));
      sub.get('/untouched', (req, res) => {
        seen[`${withSession}`] = [
          ...ownKeys(req).map((k) => `req.${k}`),
          ...ownKeys(res).map((k) => `res.${k}`),
        ];
        seen[`${withSession} locals`] = ownKeys(res.locals);
        res.send('ok');
      });
      server.use(withSession ? '/with' : '/without', sub);
    }
    server.get('/later', session(sessions), (req, res, next) => {
      req.session.set('note', 'read later').then(() => res.send('ok'), next);
    });
    app = await listen(server as unknown as Parameters<typeof listen>[0]);
  });
  after(() => app.close());

  it('express: adds no own property to req or res, only one symbol key to res.locals, and sends no cookie', async () => {
    const reply = await request(`${app.url}/with/untouched`);
    assert.equal(reply.setCookie.length, 0);
    await request(`${app.url}/without/untouched`);
    assert.deepEqual(seen.true, seen.false);
    assert.deepEqual(seen['true locals'], ['Symbol(coatcheck.hold)']);
  });

  it('express: a session first read late, without a ticket, is made then and committed', async () => {
    const reply = await request(`${app.url}/later`);
    assert.equal(reply.status, 200);
    assert.equal(reply.setCookie.length, 1);
  });
});
