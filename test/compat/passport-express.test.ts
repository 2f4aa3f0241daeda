/**
 * passport 0.7 on Express with coatcheck/express-session, unchanged: passport-local in a real app
 * over HTTP, on the real memory store. Login regenerates the session (a new ticket; the one from
 * before login is dead), the authenticated page reads `req.user`, logout regenerates again, a
 * second login gets yet another ticket, and `keepSessionInfo` carries the data across. passport's
 * user is also bound as coatcheck's user, so `sessions.listUser()` sees the login.
 */
import { createServer } from 'node:http';
import { after, before, describe } from 'node:test';
import express from 'express';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { session } from '../../src/adapters/express-session.ts';
import { sessionIdOf } from '../../src/adapters/kit/session-id.ts';
import type { CountedStore } from '../support/counting-store.ts';
import { passportFlows } from './passport-flows.ts';
import { clock, countedStore, serve } from './support.ts';

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

  passportFlows('passport express', () => ({
    url,
    store,
    keyOf: (ticket) => sessionIdOf(middleware.sessions.load({ cookie: `sid=${ticket}` })),
    listUser: (userId) => middleware.sessions.listUser(userId),
    user: USERS[0]!,
  }));
});
