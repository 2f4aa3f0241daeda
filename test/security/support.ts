/**
 * Shared set-up of the security suite: the real stores it runs on (memory, SQLite, PostgreSQL
 * when reachable), a manager with a controllable clock, and a log that records every event and
 * error message the suite produces, so no-token-in-logs.test.ts can grep it for tickets.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { SessionEventName } from '../../src/core/events.ts';
import type { Store } from '../../src/core/store.ts';
import { createSessions, type Sessions, type SessionsOptions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { postgresStore } from '../../src/stores/postgres.ts';
import { sqliteStore } from '../../src/stores/sqlite.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';

export const EVENT_NAMES: readonly SessionEventName[] = [
  'create',
  'rotate',
  'login',
  'destroy',
  'revoke',
  'expire',
  'invalid_token',
  'invalid_signature',
  'ambiguous_cookie',
  'corrupt_record',
  'store_unavailable',
  'anomaly',
];

/**
 * Writes one line to the suite's log, the file named by COATCHECK_SECURITY_LOG (set by
 * no-token-in-logs.test.ts); a no-op otherwise, to keep test output readable.
 */
export function logLine(line: string): void {
  const file = process.env.COATCHECK_SECURITY_LOG;
  if (file) appendFileSync(file, `${line}\n`);
}

/** Logs an error the way an app would: message, code, stack and causes. */
export function logError(error: unknown): void {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof Error) {
      logLine(`error ${current.name} ${(current as { code?: string }).code ?? ''}: ${current.message}`);
      logLine(`stack ${current.stack ?? ''}`);
      current = current.cause;
    } else {
      logLine(`error ${String(current)}`);
      current = undefined;
    }
  }
}

/** Subscribes to every event of `sessions`, logging each (errors included) and collecting them. */
export function observe<D extends Record<string, unknown>>(sessions: Sessions<D>) {
  const events: Array<{ type: SessionEventName } & Record<string, unknown>> = [];
  for (const name of EVENT_NAMES) {
    sessions.on(name, (event) => {
      events.push(event as unknown as { type: SessionEventName } & Record<string, unknown>);
      const { error, ...rest } = event as { error?: unknown };
      logLine(`event ${JSON.stringify(rest)}`);
      if (error !== undefined) logError(error);
    });
  }
  return events;
}

/** A store the suite runs on, and how to make a fresh one. */
export interface StoreCase {
  readonly name: string;
  readonly skip: string | undefined;
  /** A fresh, empty store; `now` is the store's own clock where the store takes one. */
  make(now: () => number): Promise<Store>;
}

const pgSkip = await serviceSkipReason('postgres');
const pool =
  pgSkip === undefined ? new pg.Pool({ connectionString: serviceUrls.postgres, max: 6 }) : undefined;
const pgTables: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'coatcheck-security-'));

/** Memory, SQLite (a real file) and PostgreSQL (skipped with one line when unreachable). */
export const storeCases: readonly StoreCase[] = [
  { name: 'memory', skip: undefined, make: async (now) => memoryStore({ now, sweepIntervalMs: 0 }) },
  {
    name: 'sqlite',
    skip: undefined,
    make: async () => sqliteStore({ database: join(dir, `${uniqueName('s')}.db`), pruneIntervalMs: 0 }),
  },
  {
    name: 'postgres',
    skip: pgSkip,
    make: async () => {
      const table = uniqueName('cc_sec');
      pgTables.push(table);
      return postgresStore({ pool: pool!, table, pruneIntervalMs: 0 });
    },
  },
];

/** Removes the SQLite files, drops the PostgreSQL tables the suite created, closes the pool. Call from `after`. */
export async function closeStores(): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  if (pool === undefined) return;
  for (const table of pgTables) await pool.query(`DROP TABLE IF EXISTS "${table}", "${table}_meta"`);
  await pool.end();
}

/** A manager over `store` with its own clock (starting at real time), every event observed. */
export function harness<D extends Record<string, unknown>>(
  store: Store,
  options: Partial<SessionsOptions> = {},
  clock = { now: Date.now() },
) {
  const sessions = createSessions<D>({
    store,
    cookie: { secure: false, name: 'sid' },
    now: () => clock.now,
    ...options,
  });
  const events = observe(sessions);
  return { sessions, events, clock, store };
}

/** The `name=value` pair a browser would send back for a Set-Cookie. */
export function cookieOf(setCookie: string | undefined): string {
  assert.ok(setCookie, 'expected a Set-Cookie');
  return setCookie.split(';')[0]!;
}

/** The ticket inside a `sid=...` cookie pair. */
export function ticketOf(cookie: string): string {
  return cookie.slice(cookie.indexOf('=') + 1);
}
