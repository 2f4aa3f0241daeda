/** Fastify apps shared by the Fastify variants: the four routes, with and without a session layer. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { body, type RunningVariant } from '../variant.ts';

/** The counter API each session layer offers a route. */
export interface CounterAccess {
  read(request: FastifyRequest): Promise<unknown> | unknown;
  write(request: FastifyRequest, value: number): Promise<void> | void;
}

/** Adds the four routes to `app`. */
export function fastifyRoutes(app: FastifyInstance, access: CounterAccess | undefined): void {
  app.get('/read', async (request, reply) => {
    reply.type('text/html; charset=utf-8');
    return body(await access?.read(request));
  });
  app.get('/write', async (request, reply) => {
    const current = await access?.read(request);
    const next = (typeof current === 'number' ? current : 0) + 1;
    await access?.write(request, next);
    reply.type('text/html; charset=utf-8');
    return body(next);
  });
  app.get('/new', async (request, reply) => {
    await access?.write(request, 1);
    reply.type('text/html; charset=utf-8');
    return body(1);
  });
  app.get('/untouched', async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return 'ok';
  });
}

/** Starts a built Fastify app on an ephemeral loopback port. */
export async function listenFastify(
  app: FastifyInstance,
  cleanup: () => Promise<void> = async () => {},
): Promise<RunningVariant> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    close: async () => {
      await app.close();
      await cleanup();
    },
  };
}
