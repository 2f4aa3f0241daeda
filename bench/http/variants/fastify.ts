/** Fastify with no session plugin: the Fastify ceiling. */
import Fastify from 'fastify';
import type { StartVariant } from '../variant.ts';
import { fastifyRoutes, listenFastify } from './shared-fastify.ts';

export const start: StartVariant = async () => {
  const app = Fastify({ logger: false });
  fastifyRoutes(app, undefined);
  return listenFastify(app);
};
