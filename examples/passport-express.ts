/**
 * passport + passport-local on Express, unchanged, over coatcheck/express-session. Run with
 * `npx tsx examples/passport-express.ts`, then POST username=ann&password=secret to /login.
 */
import { fileURLToPath } from 'node:url';
import express from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { session } from '../src/adapters/express-session.ts';
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
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(
    session({ store: memoryStore(), cookie: { secure: false }, resave: false, saveUninitialized: false }),
  );
  app.use(passport.session());
  app.post('/login', passport.authenticate('local', { successRedirect: '/me', failureRedirect: '/' }));
  app.get('/me', (req, res) => {
    if (!req.isAuthenticated()) return void res.status(401).send('anonymous');
    res.send(`hello ${(req.user as User).username}`);
  });
  app.post('/logout', (req, res, next) => req.logout((error) => (error ? next(error) : res.redirect('/'))));
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000);
  createApp().listen(port, () => console.log(`listening on http://localhost:${port}`));
}
