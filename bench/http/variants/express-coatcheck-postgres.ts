/** Express + coatcheck on the postgres store. */
import type { StartVariant } from '../variant.ts';
import { postgres } from './shared-coatcheck.ts';
import { expressCoatcheck } from './shared-express-coatcheck.ts';

export const start: StartVariant = async (ctx) => expressCoatcheck(await postgres(ctx));
