/** Express + express-session, configured as its README recommends (no resave, no empty sessions). */
import { createServer } from 'node:http';
import type { RequestHandler } from 'express';
import expressSession from 'express-session';
import { countLegacyStore } from '../counters.ts';
import { type BenchContext, COOKIE_NAME, listen, type RunningVariant } from '../variant.ts';
import { expressApp } from './shared-express.ts';

type LegacySession = { count?: number };

/** Express + express-session on `store` (undefined: its MemoryStore, counted by a wrapper). */
export function expressWithSession(
  ctx: BenchContext,
  store: expressSession.Store | undefined,
  cleanup: () => Promise<void> = async () => {},
): Promise<RunningVariant> {
  const memory = store === undefined ? new expressSession.MemoryStore() : undefined;
  if (memory !== undefined) countLegacyStore(memory, ['get', 'set', 'touch', 'destroy']);
  const middleware = expressSession({
    secret: ctx.secret,
    name: COOKIE_NAME,
    resave: false,
    saveUninitialized: false,
    store: store ?? memory,
    cookie: { secure: false, httpOnly: true, sameSite: 'lax' },
  }) as unknown as RequestHandler;
  const app = expressApp(middleware, {
    read: (req) => (req.session as unknown as LegacySession).count,
    write: (req, value) => {
      (req.session as unknown as LegacySession).count = value;
    },
  });
  return listen(createServer(app), cleanup);
}
