/** Fastify + coatcheck: the shared Fastify routes with coatcheck's Fastify plugin. */

import { coatcheck, getSession } from 'coatcheck/fastify';
import Fastify from 'fastify';
import type { RunningVariant } from '../variant.ts';
import { type BenchStore, benchSessions } from './shared-coatcheck.ts';
import { fastifyRoutes, listenFastify } from './shared-fastify.ts';

/** Fastify + coatcheck on `bench`'s store. */
export async function fastifyCoatcheck(bench: BenchStore): Promise<RunningVariant> {
  const sessions = benchSessions(bench.store);
  const app = Fastify({ logger: false });
  await app.register(coatcheck, { sessions });
  fastifyRoutes(app, {
    read: (request) => getSession(request, sessions).get('count'),
    write: (request, value) => getSession(request, sessions).set('count', value),
  });
  return listenFastify(app, async () => {
    await sessions.close();
    await bench.close();
  });
}
