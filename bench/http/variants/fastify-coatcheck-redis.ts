/** Fastify + coatcheck on the redis store. */
import type { StartVariant } from '../variant.ts';
import { redis } from './shared-coatcheck.ts';
import { fastifyCoatcheck } from './shared-fastify-coatcheck.ts';

export const start: StartVariant = async (ctx) => fastifyCoatcheck(await redis(ctx));
