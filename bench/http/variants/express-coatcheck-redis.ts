/** Express + coatcheck on the redis store. */
import type { StartVariant } from '../variant.ts';
import { redis } from './shared-coatcheck.ts';
import { expressCoatcheck } from './shared-express-coatcheck.ts';

export const start: StartVariant = async (ctx) => expressCoatcheck(await redis(ctx));
