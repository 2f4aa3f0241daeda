/**
 * A visit counter on Koa (2 or 3) with `coatcheck/koa`: GET / counts, POST /logout ends the
 * session. Shown in docs/frameworks/koa.md; run with `npx tsx examples/frameworks/koa.ts`.
 */
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import { session } from '../../src/adapters/koa.ts';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';

export function createApp() {
  const sessions = createSessions<{ visits: number }>({
    store: memoryStore(), // any coatcheck store
    cookie: { secure: false }, // plain http on localhost only; the default is a __Host- Secure cookie
  });
  // Middleware after session() sees ctx.session, typed Session<{ visits: number }>.
  return new Koa().use(session(sessions)).use(async (ctx) => {
    if (ctx.method === 'POST' && ctx.path === '/logout') {
      await ctx.session.destroy(); // deletes the record and clears the cookie
      ctx.body = 'logged out';
      return;
    }
    const visits = ((await ctx.session.get('visits')) ?? 0) + 1;
    await ctx.session.set('visits', visits);
    ctx.body = `visits: ${visits}`;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000);
  createApp().listen(port, () => console.log(`listening on http://localhost:${port}`));
}
