/** Express + coatcheck on the Drizzle store (node-postgres): the app's ORM client, beside the raw postgres store. */
import type { StartVariant } from '../variant.ts';
import { drizzlePostgres } from './shared-coatcheck.ts';
import { expressCoatcheck } from './shared-express-coatcheck.ts';

export const start: StartVariant = async (ctx) => expressCoatcheck(await drizzlePostgres(ctx));
