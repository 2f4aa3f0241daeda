/** Express + coatcheck on the Kysely store (PostgreSQL through node-postgres). */
import type { StartVariant } from '../variant.ts';
import { kyselyPostgres } from './shared-coatcheck.ts';
import { expressCoatcheck } from './shared-express-coatcheck.ts';

export const start: StartVariant = async (ctx) => expressCoatcheck(await kyselyPostgres(ctx));
