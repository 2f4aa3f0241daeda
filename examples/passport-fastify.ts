/**
 * @fastify/passport + passport-local on Fastify, unchanged, over coatcheck/fastify's
 * `propertySession` plugin. Run with `npx tsx examples/passport-fastify.ts`, then POST
 * {"username":"ann","password":"secret"} to /login.
 */
import { fileURLToPath } from 'node:url';
import fastifyPassport from '@fastify/passport';
import Fastify from 'fastify';
import { Strategy as LocalStrategy } from 'passport-local';
import { propertySession } from '../src/adapters/fastify.ts';
import { createSessions } from '../src/index.ts';
import { memoryStore } from '../src/stores/memory.ts';

type User = { id: string; username: string; password: string };
const users: User[] = [{ id: '1', username: 'ann', password: 'secret' }]; // hash passwords in a real app

export async function createApp() {
  const passport = new fastifyPassport.Authenticator();
  passport.use(
    'local',
    new LocalStrategy((username, password, done) => {
      const user = users.find((candidate) => candidate.username === username);
      done(null, user !== undefined && user.password === password ? user : false);
    }),
  );
  passport.registerUserSerializer(async (user: User) => user.id);
  passport.registerUserDeserializer(async (id: string) => users.find((user) => user.id === id) ?? null);

  const sessions = createSessions({ store: memoryStore(), cookie: { secure: false } });
  const app = Fastify();
  await app.register(propertySession, { sessions }); // before @fastify/passport
  await app.register(passport.initialize());
  await app.register(passport.secureSession());
  app.post(
    '/login',
    { preValidation: passport.authenticate('local', { successRedirect: '/me', failureRedirect: '/' }) },
    () => {},
  );
  app.get('/me', async (request, reply) => {
    if (!request.isAuthenticated()) return reply.code(401).send('anonymous');
    return `hello ${(request.user as unknown as User).username}`;
  });
  app.post('/logout', async (request, reply) => {
    await request.logout();
    return reply.redirect('/');
  });
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await createApp();
  await app.listen({ port: Number(process.env.PORT ?? 3000) });
  console.log(`listening on ${app.listeningOrigin}`);
}
