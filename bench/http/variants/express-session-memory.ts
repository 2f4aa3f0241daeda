/** Express + express-session with its MemoryStore. */
import type { StartVariant } from '../variant.ts';
import { expressWithSession } from './shared-express-session.ts';

export const start: StartVariant = (ctx) => expressWithSession(ctx, undefined);
