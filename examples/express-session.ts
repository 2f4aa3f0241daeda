/**
 * express-session's API on a coatcheck store: an Express app written for express-session, with
 * only its import and its store changed. Run with `npx tsx examples/express-session.ts`.
 */
import { fileURLToPath } from 'node:url';
import express from 'express';
import { session } from '../src/adapters/express-session.ts';
import { memoryStore } from '../src/stores/memory.ts';

declare module '../src/adapters/express-session.ts' {
  interface SessionData {
    views: number;
  }
}

export function createApp() {
  const app = express();
  app.use(
    session({
      store: memoryStore(), // any coatcheck store: redisStore, postgresStore, sqliteStore...
      secret: 'keyboard cat', // accepted, not needed: the ticket is 256 random bits
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 30 * 60_000, secure: false }, // secure: false only for plain http
    }),
  );
  app.get('/', (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.type('text/plain').send(`views: ${req.session.views}, expires in ${req.session.cookie.maxAge} ms`);
  });
  app.post('/reset', (req, res, next) => {
    req.session.regenerate((error) => (error ? next(error) : res.redirect('/')));
  });
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000);
  createApp().listen(port, () => console.log(`listening on http://localhost:${port}`));
}
