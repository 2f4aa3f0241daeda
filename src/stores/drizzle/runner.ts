/**
 * A Drizzle database as an {@link OrmRunner}: each statement is the raw-driver stores' SQL text
 * turned into Drizzle's `sql` (the text between placeholders as `sql.raw`, each value as
 * `sql.param`), sent with `execute` (PostgreSQL, MySQL) or `all`/`run` (SQLite); transactions are
 * `db.transaction()` on the root database (a pooled connection of their own; on better-sqlite3 a
 * synchronous `BEGIN IMMEDIATE` one).
 */
import type { SQL } from 'drizzle-orm';
import { ConfigError } from '../../core/errors.ts';
import { type OrmDialect, type OrmResult, type OrmRun, type OrmRunner, returnsRows } from '../orm/runner.ts';

/**
 * What the store uses of a Drizzle database (node-postgres, mysql2, better-sqlite3 or an async
 * SQLite driver). Its dialect object is read at run time: Drizzle marks that member internal, so
 * its published types do not show it, and a type that required it would refuse every real database.
 */
export interface DrizzleLike {
  /** PostgreSQL and MySQL drivers: runs a query. */
  execute?(query: SQL): Promise<unknown>;
  /** SQLite drivers: runs a query and returns its rows. */
  all?(query: SQL): unknown;
  /** SQLite drivers: runs a statement. */
  run?(query: SQL): unknown;
  /** Typed loosely so every driver's generic signature fits; the store passes a callback and a config. */
  transaction(body: never, config?: never): unknown;
  /** The driver's client, which tells a SQLite driver apart. */
  readonly $client?: unknown;
}

/** `db`'s dialect object (Drizzle's internal `dialect` member), when it has one. */
export function dialectObject(db: DrizzleLike): object | undefined {
  const dialect = (db as { readonly dialect?: unknown }).dialect;
  return typeof dialect === 'object' && dialect !== null ? dialect : undefined;
}

/** Drizzle's class tag (`static [entityKind]`), the way Drizzle itself tells its classes apart. */
export function drizzleKind(value: object): string {
  const ctor = (value as { constructor?: Record<symbol, unknown> }).constructor;
  return String(ctor?.[Symbol.for('drizzle:entityKind')] ?? '');
}

/** The dialect of `db`, from its dialect object's class. @throws ConfigError when it is none we know. */
export function drizzleDialect(
  factory: string,
  db: DrizzleLike,
): OrmDialect & ('postgres' | 'mysql' | 'sqlite') {
  const dialect = dialectObject(db);
  const kind = dialect === undefined ? '' : drizzleKind(dialect);
  if (kind === 'PgDialect') return 'postgres';
  if (kind === 'MySqlDialect') return 'mysql';
  if (kind.startsWith('SQLite')) return 'sqlite';
  throw new ConfigError(
    `${factory}: a Drizzle database of dialect ${kind || 'unknown'} is not supported; PostgreSQL, MySQL/MariaDB and SQLite are.`,
  );
}

/** Drizzle wraps a driver's error (`DrizzleQueryError`); the store reads the driver's (errno, code). */
function unwrap(error: unknown): unknown {
  const wrapped = error instanceof Error && error.constructor.name === 'DrizzleQueryError';
  return wrapped && error.cause !== undefined ? error.cause : error;
}

/**
 * The node-postgres Pool behind `db`, for the statements the store sends outside a transaction:
 * Drizzle's `db.execute` costs more CPU per statement than the pool's own `query` (a prepared-query
 * object and type-parser closures built for every call; docs/BENCHMARKS.md, "The Drizzle store
 * beside the raw PostgreSQL store"), for the same SQL text and bound values on the same pool.
 * Only a Pool: on a single Client the statement would share the connection with whatever the app
 * has open on it. Not when the app gave Drizzle a logger, which then sees every statement, nor when
 * `db` is not node-postgres (postgres.js, Neon, PGlite…). Transactions stay `db.transaction()`.
 */
function directPgPool(
  db: DrizzleLike,
): ((text: string, values: readonly unknown[]) => Promise<unknown>) | undefined {
  const pool = db.$client as
    | { query?: unknown; connect?: unknown; totalCount?: unknown; idleCount?: unknown }
    | undefined;
  const isPool =
    typeof pool === 'object' &&
    pool !== null &&
    typeof pool.query === 'function' &&
    typeof pool.connect === 'function' &&
    typeof pool.totalCount === 'number' &&
    typeof pool.idleCount === 'number';
  if (!isPool) return undefined;
  const session = (db as { readonly session?: { readonly logger?: object } }).session;
  if (session === undefined || drizzleKind(session) !== 'NodePgSession') return undefined;
  if (session.logger === undefined || drizzleKind(session.logger) !== 'NoopLogger') return undefined;
  const query = pool.query as (text: string, values: readonly unknown[]) => Promise<unknown>;
  return (text, values) => query.call(pool, text, values);
}

/** Builds the runner over `db` once Drizzle's module (for `sql`) is loaded. */
export async function drizzleRunner(db: DrizzleLike, dialect: OrmDialect): Promise<OrmRunner> {
  const { sql } = await import('drizzle-orm');
  const placeholder = dialect === 'postgres' ? /\$(\d+)/g : /\?/g;
  /** Each statement's text split at its placeholders, once: the store sends few distinct statements. */
  const split = new Map<string, { readonly raw: SQL[]; readonly slots: number[] }>();
  const parts = (text: string) => {
    let found = split.get(text);
    if (found === undefined) {
      const raw: SQL[] = [];
      const slots: number[] = [];
      let last = 0;
      for (const match of text.matchAll(placeholder)) {
        raw.push(sql.raw(text.slice(last, match.index)));
        // PostgreSQL numbers its placeholders ($1 may appear twice); `?` takes the values in order.
        slots.push(match[1] === undefined ? slots.length : Number(match[1]) - 1);
        last = match.index + match[0].length;
      }
      raw.push(sql.raw(text.slice(last)));
      found = { raw, slots };
      if (split.size < 1000) split.set(text, found);
    }
    return found;
  };
  /** The SQL text with each placeholder a Drizzle param (a bound value, never spliced). */
  const toSql = (text: string, values: readonly unknown[]): SQL => {
    const { raw, slots } = parts(text);
    const chunks: SQL[] = [];
    slots.forEach((slot, i) => {
      chunks.push(raw[i] as SQL, sql`${sql.param(values[slot])}`);
    });
    chunks.push(raw[slots.length] as SQL);
    return sql.join(chunks);
  };
  const shaped = (result: unknown, text: string): OrmResult => {
    if (dialect === 'mysql') {
      // mysql2's [rows or result header, fields]
      const head = (result as unknown[])[0];
      if (Array.isArray(head)) return { rows: head as Record<string, unknown>[], affected: head.length };
      return { rows: [], affected: Number((head as { affectedRows?: number }).affectedRows ?? 0) };
    }
    if (dialect === 'sqlite') {
      if (Array.isArray(result))
        return { rows: result as Record<string, unknown>[], affected: result.length };
      const run = result as { changes?: number; rowsAffected?: number };
      return { rows: [], affected: Number(run.changes ?? run.rowsAffected ?? 0) };
    }
    // node-postgres' QueryResult, or postgres.js' row list (an array with `count`)
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<
      string,
      unknown
    >[];
    const count = Array.isArray(result)
      ? (result as { count?: number }).count
      : (result as { rowCount?: number | null }).rowCount;
    return { rows, affected: Number(count ?? rows.length) || (returnsRows(text) ? rows.length : 0) };
  };
  const direct = dialect === 'postgres' ? directPgPool(db) : undefined;
  const send = (target: DrizzleLike, text: string, values: readonly unknown[]): unknown => {
    if (direct !== undefined && target === db) return direct(text, values);
    const query = toSql(text, values);
    if (dialect !== 'sqlite') return (target.execute as (q: SQL) => Promise<unknown>).call(target, query);
    return returnsRows(text) ? target.all?.(query) : target.run?.(query);
  };
  const on =
    (target: DrizzleLike): OrmRun =>
    async (text, values) => {
      try {
        return shaped(await send(target, text, values), text);
      } catch (error) {
        throw unwrap(error);
      }
    };
  const begin = db.transaction as (body: (tx: DrizzleLike) => unknown, config?: object) => unknown;
  const transaction = <T>(body: (run: OrmRun) => Promise<T>): Promise<T> =>
    begin.call(
      db,
      (tx: DrizzleLike) => body(on(tx)),
      dialect === 'sqlite' ? { behavior: 'immediate' } : undefined,
    ) as Promise<T>;
  const runner: OrmRunner = { dialect, run: on(db), transaction };
  if (dialect !== 'sqlite' || drizzleKind(dialectObject(db) ?? {}) !== 'SQLiteSyncDialect') return runner;
  // better-sqlite3: synchronous statements and a synchronous BEGIN IMMEDIATE transaction.
  const onSync = (target: DrizzleLike) => (text: string, values: readonly unknown[]) => {
    try {
      return shaped(send(target, text, values), text);
    } catch (error) {
      throw unwrap(error);
    }
  };
  const client = db.$client as { inTransaction?: boolean } | undefined;
  return {
    ...runner,
    sync: {
      run: onSync(db),
      immediateTransaction: <T>(body: (run: ReturnType<typeof onSync>) => T): T =>
        begin.call(db, (tx: DrizzleLike) => body(onSync(tx)), { behavior: 'immediate' }) as T,
      appTransactionOpen: () => client?.inTransaction === true,
    },
  };
}
