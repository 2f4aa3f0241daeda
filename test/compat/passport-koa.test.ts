/**
 * koa-passport (with the passport it ships) on Koa 3 with coatcheck/koa's `propertySession()`,
 * unchanged: passport-local in a real app over HTTP, on the real memory store. The same flows as
 * on Express: login regenerates (new ticket, the pre-login one dead), the authenticated page,
 * logout, a second login's new ticket, keepSessionInfo, and passport's user bound as coatcheck's.
 */
import { createServer } from 'node:http';
import { after, before, describe } from 'node:test';
import Koa from 'koa';
import koaPassport from 'koa-passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { sessionIdOf } from '../../src/adapters/kit/session-id.ts';
import { propertySession } from '../../src/adapters/koa.ts';
import { createSessions, type Sessions } from '../../src/index.ts';
import type { CountedStore } from '../support/counting-store.ts';
import { passportFlows } from './passport-flows.ts';
import { clock, countedStore, serve } from './support.ts';

interface User {
  readonly id: string;
  readonly username: string;
  readonly password: string;
}
const USERS: readonly User[] = [{ id: '7', username: 'cleo', password: 'open sesame' }];

/** The app's own form parser: passport-local reads `ctx.request.body`. */
const formBody: Koa.Middleware = async (ctx, next) => {
  if (ctx.method === 'POST' && ctx.is('application/x-www-form-urlencoded')) {
    let text = '';
    for await (const chunk of ctx.req) text += String(chunk);
    (ctx.request as { body?: unknown }).body = Object.fromEntries(new URLSearchParams(text));
  }
  await next();
};

describe('koa-passport + passport-local on Koa 3 with coatcheck/koa propertySession()', () => {
  let url: (path: string) => string;
  let close: () => Promise<void>;
  let store: CountedStore;
  let sessions: Sessions<{ cart: string[] }>;

  before(async () => {
    const passport = new koaPassport.KoaPassport();
    passport.use(
      new LocalStrategy((username, password, done) => {
        const user = USERS.find((candidate) => candidate.username === username);
        done(null, user !== undefined && user.password === password ? user : false);
      }),
    );
    passport.serializeUser((user, done) => done(null, (user as User).id));
    passport.deserializeUser((id: string, done) => done(null, USERS.find((user) => user.id === id) ?? false));

    store = countedStore(clock());
    sessions = createSessions<{ cart: string[] }>({ store, cookie: { secure: false, name: 'sid' } });
    const app = new Koa();
    app.use(formBody);
    app.use(propertySession(sessions));
    app.use(passport.initialize());
    app.use(passport.session());
    app.use(async (ctx, next) => {
      if (ctx.method === 'POST' && ctx.path === '/cart') {
        const session = ctx.session!;
        session.cart = [...(session.cart ?? []), 'sku-1'];
        ctx.body = 'added';
        return;
      }
      if (ctx.method === 'POST' && ctx.path === '/login') {
        return passport.authenticate('local', { successRedirect: '/me', failureRedirect: '/login' })(
          ctx,
          next,
        );
      }
      if (ctx.method === 'POST' && ctx.path === '/login-keep') {
        const options = { successRedirect: '/me', failureRedirect: '/login', keepSessionInfo: true };
        return passport.authenticate('local', options)(ctx, next);
      }
      if (ctx.method === 'POST' && ctx.path === '/logout') {
        await ctx.logout();
        ctx.redirect('/');
        return;
      }
      if (ctx.path === '/me') {
        if (!ctx.isAuthenticated()) {
          ctx.status = 401;
          ctx.body = 'anonymous';
          return;
        }
        ctx.body = `${(ctx.state.user as User).username} cart=${(ctx.session?.cart ?? []).join(',')}`;
        return;
      }
      ctx.body = 'home';
    });
    const running = await serve(createServer(app.callback()));
    url = running.url;
    close = running.close;
  });
  after(() => close());

  passportFlows('koa-passport', () => ({
    url,
    store,
    keyOf: (ticket) => sessionIdOf(sessions.load({ cookie: `sid=${ticket}` })),
    listUser: (userId) => sessions.listUser(userId),
    user: USERS[0]!,
  }));
});
