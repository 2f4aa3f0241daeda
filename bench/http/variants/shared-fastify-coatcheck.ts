/** Fastify + coatcheck: the shared Fastify routes with coatcheck's Fastify plugin. */

import { createServer } from 'node:http';
import { coatcheck, getSession } from 'coatcheck/fastify';
import Fastify from 'fastify';
import type { RunningVariant } from '../variant.ts';
import { type BenchStore, benchSessions, type Instrumented } from './shared-coatcheck.ts';
import { fastifyRoutes, listenFastify } from './shared-fastify.ts';

/** Fastify + coatcheck on `bench`'s store (with telemetry when `instrumented` is given). */
export async function fastifyCoatcheck(
  bench: BenchStore,
  instrumented?: Instrumented,
): Promise<RunningVariant> {
  const plain = benchSessions(bench.store);
  const sessions = instrumented === undefined ? plain : instrumented.sessions(plain);
  const app =
    instrumented === undefined
      ? Fastify({ logger: false })
      : Fastify({ logger: false, serverFactory: (handler) => createServer(instrumented.listener(handler)) });
  await app.register(coatcheck, { sessions });
  fastifyRoutes(app, {
    read: (request) => getSession(request, sessions).get('count'),
    write: (request, value) => getSession(request, sessions).set('count', value),
  });
  return listenFastify(app, async () => {
    await sessions.close();
    await bench.close();
    await instrumented?.close();
  });
}
