/** Fastify + @fastify/session with its in-memory store. */
import type { StartVariant } from '../variant.ts';
import { fastifyWithSession } from './shared-fastify-session.ts';

export const start: StartVariant = (ctx) => fastifyWithSession(ctx, undefined);
