/**
 * A visit counter on Hono with `coatcheck/hono`: GET / counts, POST /logout ends the session.
 * Shown in docs/frameworks/hono.md; run with `npx tsx examples/frameworks/hono.ts` (Node, through
 * @hono/node-server; on Deno, Bun or Workers export `app.fetch` instead).
 */
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { type SessionEnv, session } from '../../src/adapters/hono.ts';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';

type Data = { visits: number };

export function createApp() {
  const sessions = createSessions<Data>({
    store: memoryStore(), // any coatcheck store
    cookie: { secure: false }, // plain http on localhost only; the default is a __Host- Secure cookie
  });
  const app = new Hono<SessionEnv<Data>>();
  app.use(session(sessions));
  app.get('/', async (c) => {
    const visits = ((await c.get('session').get('visits')) ?? 0) + 1;
    await c.get('session').set('visits', visits);
    return c.text(`visits: ${visits}`);
  });
  app.post('/logout', async (c) => {
    await c.get('session').destroy(); // deletes the record and clears the cookie
    return c.text('logged out');
  });
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000);
  serve({ fetch: createApp().fetch, port }, () => console.log(`listening on http://localhost:${port}`));
}
