/** Express + coatcheck on the Redis store through an ioredis client (the other supported driver). */
import type { StartVariant } from '../variant.ts';
import { ioredis } from './shared-coatcheck.ts';
import { expressCoatcheck } from './shared-express-coatcheck.ts';

export const start: StartVariant = async (ctx) => expressCoatcheck(await ioredis(ctx));
