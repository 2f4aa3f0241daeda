/**
 * @fastify/passport (with @fastify/flash) on Fastify 5 with coatcheck/fastify's `propertySession`
 * plugin, unchanged: passport-local in a real app over HTTP, on the real memory store. The same
 * flows as on Express: login regenerates (new ticket, the pre-login one dead), the authenticated
 * page, logout, a second login's new ticket, keepSessionInfo, and passport's user bound as
 * coatcheck's.
 */
import { after, before, describe } from 'node:test';
import fastifyPassport from '@fastify/passport';
import Fastify, { type FastifyInstance } from 'fastify';
import { Strategy as LocalStrategy } from 'passport-local';
import type { FastifyStyleSession } from '../../src/adapters/fastify/property-session.ts';
import { propertySession } from '../../src/adapters/fastify.ts';
import { sessionIdOf } from '../../src/adapters/kit/session-id.ts';
import { createSessions, type Sessions } from '../../src/index.ts';
import type { CountedStore } from '../support/counting-store.ts';
import { passportFlows } from './passport-flows.ts';
import { clock, countedStore, postJson as post } from './support.ts';

interface User {
  readonly id: string;
  readonly username: string;
  readonly password: string;
}
const USERS: readonly User[] = [{ id: '3', username: 'dora', password: 'swordfish' }];

type Data = { cart: string[] };
/** request.session under the property-style plugin (an app registers `Register { session: 'properties' }`). */
const sessionOf = (request: object) => (request as { session: FastifyStyleSession<Data> }).session;

describe('@fastify/passport + passport-local on Fastify 5 with coatcheck/fastify propertySession', () => {
  let app: FastifyInstance;
  let url: (path: string) => string;
  let store: CountedStore;
  let sessions: Sessions<Data>;

  before(async () => {
    const passport = new fastifyPassport.Authenticator();
    passport.use(
      'local',
      new LocalStrategy((username, password, done) => {
        const user = USERS.find((candidate) => candidate.username === username);
        done(null, user !== undefined && user.password === password ? user : false);
      }),
    );
    passport.registerUserSerializer(async (user: User) => user.id);
    passport.registerUserDeserializer(async (id: string) => USERS.find((user) => user.id === id) ?? null);

    store = countedStore(clock());
    sessions = createSessions<Data>({ store, cookie: { secure: false, name: 'sid' } });
    app = Fastify();
    await app.register(propertySession, { sessions });
    await app.register(passport.initialize());
    await app.register(passport.secureSession());
    app.post('/cart', async (request) => {
      const session = sessionOf(request);
      session.set('cart', [...(session.get('cart') ?? []), 'sku-1']);
      return 'added';
    });
    const redirects = { successRedirect: '/me', failureRedirect: '/login' };
    // As @fastify/passport's own tests: the preValidation hook answers (a redirect), the handler does not.
    app.post('/login', { preValidation: passport.authenticate('local', redirects) }, () => {});
    app.post(
      '/login-keep',
      { preValidation: passport.authenticate('local', { ...redirects, keepSessionInfo: true }) },
      () => {},
    );
    app.post('/logout', async (request, reply) => {
      await request.logout();
      return reply.redirect('/');
    });
    app.get('/me', async (request, reply) => {
      if (!request.isAuthenticated()) return reply.code(401).send('anonymous');
      const user = request.user as unknown as User;
      return `${user.username} cart=${(sessionOf(request).get('cart') ?? []).join(',')}`;
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as { port: number };
    url = (path) => `http://127.0.0.1:${address.port}${path}`;
  });
  after(() => app.close());

  passportFlows('@fastify/passport', () => ({
    url,
    store,
    keyOf: (ticket) => sessionIdOf(sessions.load({ cookie: `sid=${ticket}` })),
    listUser: (userId) => sessions.listUser(userId),
    post,
    user: USERS[0]!,
  }));
});
