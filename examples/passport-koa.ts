/**
 * koa-passport + passport-local on Koa, unchanged, over coatcheck/koa's `propertySession()`. Run
 * with `npx tsx examples/passport-koa.ts`, then POST username=ann&password=secret to /login.
 */
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import passport from 'koa-passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { propertySession } from '../src/adapters/koa.ts';
import { createSessions } from '../src/index.ts';
import { memoryStore } from '../src/stores/memory.ts';

type User = { id: string; username: string; password: string };
const users: User[] = [{ id: '1', username: 'ann', password: 'secret' }]; // hash passwords in a real app

passport.use(
  new LocalStrategy((username, password, done) => {
    const user = users.find((candidate) => candidate.username === username);
    done(null, user !== undefined && user.password === password ? user : false);
  }),
);
passport.serializeUser((user, done) => done(null, (user as User).id));
passport.deserializeUser((id: string, done) => done(null, users.find((user) => user.id === id) ?? false));

export function createApp() {
  const sessions = createSessions({ store: memoryStore(), cookie: { secure: false } });
  const app = new Koa();
  app.use(async (ctx, next) => {
    // A form parser (koa-bodyparser or @koa/bodyparser do this): passport-local reads ctx.request.body.
    if (ctx.is('application/x-www-form-urlencoded')) {
      let text = '';
      for await (const chunk of ctx.req) text += String(chunk);
      (ctx.request as { body?: unknown }).body = Object.fromEntries(new URLSearchParams(text));
    }
    await next();
  });
  app.use(propertySession(sessions));
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === '/login') {
      return passport.authenticate('local', { successRedirect: '/me', failureRedirect: '/' })(ctx, next);
    }
    if (ctx.method === 'POST' && ctx.path === '/logout') {
      await ctx.logout();
      return ctx.redirect('/');
    }
    if (ctx.path === '/me' && ctx.isAuthenticated()) {
      ctx.body = `hello ${(ctx.state.user as User).username}`;
      return;
    }
    ctx.status = 401;
    ctx.body = 'anonymous';
  });
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000);
  createApp().listen(port, () => console.log(`listening on http://localhost:${port}`));
}
