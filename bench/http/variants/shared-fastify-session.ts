/** Fastify + @fastify/session with its defaults (rolling: true), no empty sessions saved. */
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import Fastify from 'fastify';
import { countLegacyStore } from '../counters.ts';
import { type BenchContext, COOKIE_NAME, type RunningVariant } from '../variant.ts';
import { fastifyRoutes, listenFastify } from './shared-fastify.ts';

/** Fastify + @fastify/session on `store` (undefined: its in-memory Store, counted by a wrapper). */
export async function fastifyWithSession(
  ctx: BenchContext,
  store: object | undefined,
  cleanup: () => Promise<void> = async () => {},
): Promise<RunningVariant> {
  const memory = store === undefined ? new fastifySession.MemoryStore() : undefined;
  if (memory !== undefined) countLegacyStore(memory, ['get', 'set', 'destroy']);
  const app = Fastify({ logger: false });
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: ctx.secret,
    cookieName: COOKIE_NAME,
    saveUninitialized: false,
    store: (store ?? memory) as fastifySession.SessionStore,
    cookie: { secure: false, httpOnly: true, sameSite: 'lax' },
  });
  type Counted = { get(key: 'count'): unknown; set(key: 'count', value: number): void };
  fastifyRoutes(app, {
    read: (request) => (request.session as unknown as Counted).get('count'),
    write: (request, value) => (request.session as unknown as Counted).set('count', value),
  });
  return listenFastify(app, cleanup);
}
