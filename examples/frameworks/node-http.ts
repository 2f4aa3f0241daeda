/**
 * A visit counter on node:http with `coatcheck/node`: GET / counts, POST /logout ends the session.
 * Shown in docs/frameworks/node-http.md; run with `npx tsx examples/frameworks/node-http.ts`.
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { withSessions } from '../../src/adapters/node.ts';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';

export function createApp() {
  const sessions = createSessions<{ visits: number }>({
    store: memoryStore(), // any coatcheck store
    cookie: { secure: false }, // plain http on localhost only; the default is a __Host- Secure cookie
  });
  return withSessions(sessions, async (req, res, session) => {
    if (req.method === 'POST' && req.url === '/logout') {
      await session.destroy(); // deletes the record and clears the cookie
      res.end('logged out');
      return;
    }
    const visits = ((await session.get('visits')) ?? 0) + 1;
    await session.set('visits', visits);
    res.end(`visits: ${visits}`);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000);
  createServer(createApp()).listen(port, () => console.log(`listening on http://localhost:${port}`));
}
