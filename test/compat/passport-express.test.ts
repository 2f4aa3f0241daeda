/**
 * passport 0.7 on Express with coatcheck/express-session, unchanged: passport-local in a real app
 * over HTTP, on the real memory store. Login regenerates the session (a new ticket; the one from
 * before login is dead), the authenticated page reads `req.user`, logout regenerates again, a
 * second login gets yet another ticket, and `keepSessionInfo` carries the data across. passport's
 * user is also bound as coatcheck's user, so `sessions.listUser()` sees the login.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { session } from '../../src/adapters/express-session.ts';
import { sessionIdOf } from '../../src/adapters/kit/session-id.ts';
import type { CountedStore } from '../support/counting-store.ts';
import { clock, countedStore, Jar, post, request, serve } from './support.ts';

interface User {
  readonly id: string;
  readonly username: string;
  readonly password: string;
}
const USERS: readonly User[] = [
  { id: '1', username: 'ann', password: 'correct horse' },
  { id: '2', username: 'bob', password: 'battery staple' },
];

declare module '../../src/adapters/express-session.ts' {
  interface SessionData {
    cart?: string[];
  }
}

describe('passport 0.7 + passport-local on Express 5 with coatcheck/express-session', () => {
  let url: (path: string) => string;
  let close: () => Promise<void>;
  let store: CountedStore;
  let middleware: ReturnType<typeof session>;

  before(async () => {
    const passport = new Passport();
    passport.use(
      new LocalStrategy((username, password, done) => {
        const user = USERS.find((candidate) => candidate.username === username);
        done(null, user !== undefined && user.password === password ? user : false);
      }),
    );
    passport.serializeUser((user, done) => done(null, (user as User).id));
    passport.deserializeUser((id: string, done) => done(null, USERS.find((user) => user.id === id) ?? false));

    store = countedStore(clock());
    middleware = session({ store, cookie: { secure: false }, resave: false, saveUninitialized: false });
    const app = express();
    app.set('env', 'test');
    app.use(express.urlencoded({ extended: false }));
    app.use(middleware);
    app.use(passport.session());
    app.post('/cart', (req, res) => {
      req.session.cart = [...(req.session.cart ?? []), 'sku-1'];
      res.send('added');
    });
    app.post('/login', passport.authenticate('local', { successRedirect: '/me', failureRedirect: '/login' }));
    app.post(
      '/login-keep',
      passport.authenticate('local', {
        successRedirect: '/me',
        failureRedirect: '/login',
        keepSessionInfo: true,
      }),
    );
    app.get('/me', (req, res) => {
      if (!req.isAuthenticated()) {
        res.status(401).send('anonymous');
        return;
      }
      res.send(`${(req.user as User).username} cart=${(req.session.cart ?? []).join(',')}`);
    });
    app.post('/logout', (req, res, next) => {
      req.logout((error) => (error ? next(error) : res.redirect('/')));
    });
    const running = await serve(createServer(app));
    url = running.url;
    close = running.close;
  });
  after(() => close());

  const keyOf = (ticket: string) => sessionIdOf(middleware.sessions.load({ cookie: `sid=${ticket}` }));

  it('passport express: login regenerates the session (new ticket, the pre-login one dead) and binds the user', async () => {
    const jar = new Jar('sid');
    jar.take(await post(url('/cart'), {}, undefined));
    const anonymous = jar.value!;
    assert.equal((await request(url('/me'), { cookie: jar.header! })).status, 401);

    const login = await post(url('/login'), { username: 'ann', password: 'correct horse' }, jar.header);
    assert.equal(login.status, 302);
    assert.equal(login.headers.get('location'), '/me');
    jar.take(login);
    assert.notEqual(jar.value, anonymous, 'a new ticket at login');
    assert.equal(await store.get(keyOf(anonymous)), undefined, 'the pre-login session is gone');
    assert.equal((await request(url('/me'), { cookie: `sid=${anonymous}` })).status, 401);

    const me = await request(url('/me'), { cookie: jar.header! });
    assert.equal(me.status, 200);
    assert.equal(me.body, 'ann cart=', 'without keepSessionInfo the old data does not follow');
    const listed = await middleware.sessions.listUser('1');
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.sessionId, keyOf(jar.value!));
  });

  it('passport express: keepSessionInfo carries the session data across the login', async () => {
    const jar = new Jar('sid');
    jar.take(await post(url('/cart'), {}, undefined));
    jar.take(await post(url('/cart'), {}, jar.header));
    const login = await post(url('/login-keep'), { username: 'bob', password: 'battery staple' }, jar.header);
    const before = jar.value;
    jar.take(login);
    assert.notEqual(jar.value, before);
    assert.equal((await request(url('/me'), { cookie: jar.header! })).body, 'bob cart=sku-1,sku-1');
  });

  it('passport express: a failed login changes nothing and redirects to the form', async () => {
    const jar = new Jar('sid');
    jar.take(await post(url('/cart'), {}, undefined));
    const ticket = jar.value;
    const failed = await post(url('/login'), { username: 'ann', password: 'wrong' }, jar.header);
    assert.equal(failed.status, 302);
    assert.equal(failed.headers.get('location'), '/login');
    assert.deepEqual(failed.setCookie, []);
    assert.equal(jar.value, ticket);
  });

  it('passport express: logout regenerates (the logged-in ticket dies) and a second login is a new ticket', async () => {
    const jar = new Jar('sid');
    jar.take(await post(url('/login'), { username: 'ann', password: 'correct horse' }, undefined));
    const first = jar.value!;
    assert.equal((await request(url('/me'), { cookie: jar.header! })).status, 200);

    const logout = await post(url('/logout'), {}, jar.header);
    assert.equal(logout.status, 302);
    jar.take(logout);
    assert.equal(await store.get(keyOf(first)), undefined, 'the logged-in session is gone');
    assert.equal((await request(url('/me'), { cookie: `sid=${first}` })).status, 401);
    assert.equal((await request(url('/me'), { cookie: jar.header ?? '' })).status, 401);

    const again = await post(url('/login'), { username: 'ann', password: 'correct horse' }, jar.header);
    jar.take(again);
    assert.ok(jar.value !== undefined && jar.value !== first, 'a second login gets a new ticket');
    assert.equal((await request(url('/me'), { cookie: jar.header! })).body, 'ann cart=');
  });
});
