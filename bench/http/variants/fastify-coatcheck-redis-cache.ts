/** Fastify + coatcheck on the Redis store through ioredis, with client-side caching (`cache`) on. */
import type { StartVariant } from '../variant.ts';
import { ioredisCached } from './shared-coatcheck.ts';
import { fastifyCoatcheck } from './shared-fastify-coatcheck.ts';

export const start: StartVariant = async (ctx) => fastifyCoatcheck(await ioredisCached(ctx));
