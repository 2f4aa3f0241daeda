/**
 * passport's strategies on coatcheck's own API (coatcheck/express): passport checks the password
 * (`session: false`), coatcheck logs in with `session.login()`, and one small middleware loads the
 * user on later requests. Run with `npx tsx examples/passport-plain.ts`.
 */
import { fileURLToPath } from 'node:url';
import express from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { getSession, session } from '../src/adapters/express.ts';
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

export function createApp() {
  const sessions = createSessions({ store: memoryStore(), cookie: { secure: false } });
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(session(sessions));
  // Later requests: the session's user (coatcheck's, no serializeUser) becomes req.user.
  app.use(async (req, _res, next) => {
    const id = await getSession(req, sessions).userId();
    if (id !== null) req.user = users.find((user) => user.id === id);
    next();
  });
  app.post(
    '/login',
    passport.authenticate('local', { session: false, failureRedirect: '/' }),
    async (req, res) => {
      await getSession(req, sessions).login((req.user as User).id); // new ticket, bound to the user
      res.redirect('/me');
    },
  );
  app.get('/me', (req, res) => {
    if (req.user === undefined) return void res.status(401).send('anonymous');
    res.send(`hello ${(req.user as User).username}`);
  });
  app.post('/logout', async (req, res) => {
    await getSession(req, sessions).destroy();
    res.redirect('/');
  });
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000);
  createApp().listen(port, () => console.log(`listening on http://localhost:${port}`));
}
