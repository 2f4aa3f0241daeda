/** Express + coatcheck on the Redis store through ioredis, with client-side caching (`cache`) on. */
import type { StartVariant } from '../variant.ts';
import { ioredisCached } from './shared-coatcheck.ts';
import { expressCoatcheck } from './shared-express-coatcheck.ts';

export const start: StartVariant = async (ctx) => expressCoatcheck(await ioredisCached(ctx));
