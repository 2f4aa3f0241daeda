/** Express + coatcheck on the memory store. */
import type { StartVariant } from '../variant.ts';
import { memory } from './shared-coatcheck.ts';
import { expressCoatcheck } from './shared-express-coatcheck.ts';

export const start: StartVariant = async (ctx) => expressCoatcheck(await memory(ctx));
