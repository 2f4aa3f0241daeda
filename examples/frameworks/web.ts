/**
 * A visit counter as a Fetch handler with `coatcheck/web` (Deno, Bun, Workers, or Node through
 * @hono/node-server): GET / counts, POST /logout ends the session. Shown in docs/frameworks/web.md;
 * run with `npx tsx examples/frameworks/web.ts`.
 */
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { withSessions } from '../../src/adapters/web.ts';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';

export function createApp(): (request: Request) => Promise<Response> {
  const sessions = createSessions<{ visits: number }>({
    store: memoryStore(), // any coatcheck store
    cookie: { secure: false }, // plain http on localhost only; the default is a __Host- Secure cookie
  });
  return withSessions(sessions, async (request, session) => {
    if (request.method === 'POST' && new URL(request.url).pathname === '/logout') {
      await session.destroy(); // deletes the record and clears the cookie
      return new Response('logged out');
    }
    const visits = ((await session.get('visits')) ?? 0) + 1;
    await session.set('visits', visits);
    return new Response(`visits: ${visits}`);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000);
  serve({ fetch: createApp(), port }, () => console.log(`listening on http://localhost:${port}`));
}
