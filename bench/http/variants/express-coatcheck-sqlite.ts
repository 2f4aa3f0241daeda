/** Express + coatcheck on the sqlite store. */
import type { StartVariant } from '../variant.ts';
import { sqlite } from './shared-coatcheck.ts';
import { expressCoatcheck } from './shared-express-coatcheck.ts';

export const start: StartVariant = async (ctx) => expressCoatcheck(await sqlite(ctx));
