/**
 * A visit counter on Express (4 or 5) with `coatcheck/express`: GET / counts, POST /logout ends the
 * session. Shown in docs/frameworks/express.md; run with `npx tsx examples/frameworks/express.ts`.
 */
import { fileURLToPath } from 'node:url';
import express from 'express';
import { getSession, session } from '../../src/adapters/express.ts';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';

export function createApp() {
  const sessions = createSessions<{ visits: number }>({
    store: memoryStore(), // any coatcheck store
    cookie: { secure: false }, // plain http on localhost only; the default is a __Host- Secure cookie
  });
  const app = express();
  app.use(session(sessions));
  app.get('/', async (req, res) => {
    const current = getSession(req, sessions); // typed Session<{ visits: number }>; also req.session
    const visits = ((await current.get('visits')) ?? 0) + 1;
    await current.set('visits', visits);
    res.type('text/plain').send(`visits: ${visits}`);
  });
  app.post('/logout', async (req, res) => {
    await getSession(req, sessions).destroy(); // deletes the record and clears the cookie
    res.type('text/plain').send('logged out');
  });
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000);
  createApp().listen(port, () => console.log(`listening on http://localhost:${port}`));
}
