/**
 * The part of a SQLite driver the SQLite store uses, declared structurally: `better-sqlite3`'s
 * `Database` (Node) and `bun:sqlite`'s `Database` (Bun) both fit it as they are, so the store runs
 * the same statements and transactions on either. Both are synchronous, which is what lets a
 * transaction hold the write lock with no other call of this process running inside it.
 */

/** A prepared statement. */
export interface SqliteHandleStatement {
  /** Whether the statement returns rows (a SELECT, or a write with RETURNING). */
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { readonly changes: number | bigint };
  /** `false`: integers come back as numbers even on a handle opened with safe integers on. */
  safeIntegers(toggle?: boolean): SqliteHandleStatement;
}

/** A synchronous transaction function, as `db.transaction(fn)` returns it. */
export interface SqliteTransaction<A extends unknown[], R> {
  /** Runs it in `BEGIN IMMEDIATE`: the write lock is taken before the first statement. */
  immediate(...args: A): R;
}

/** An open database: `new Database(path)` of better-sqlite3 or of bun:sqlite. */
export interface SqliteHandle {
  prepare(sql: string): SqliteHandleStatement;
  /** Runs one or more statements that return nothing (DDL). */
  exec(sql: string): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): SqliteTransaction<A, R>;
  close(): unknown;
}

/** Whether `value` looks like an open SQLite database of either driver. */
export function isSqliteHandle(value: unknown): value is SqliteHandle {
  const shape = value as Partial<Record<string, unknown>> | null;
  return (
    typeof value === 'object' &&
    shape !== null &&
    typeof shape.prepare === 'function' &&
    typeof shape.transaction === 'function'
  );
}

/**
 * Runs a pragma: better-sqlite3 refuses `all()` on one that returns no row (setting
 * `busy_timeout`) and bun:sqlite returns a row for it, so the statement says which it is.
 */
export function runPragma(db: SqliteHandle, pragma: string): void {
  const statement = db.prepare(`PRAGMA ${pragma}`);
  if (statement.reader) statement.all();
  else statement.run();
}

/** Sets how long a statement waits for another connection's write lock. */
export function setBusyTimeout(db: SqliteHandle, ms: number): void {
  runPragma(db, `busy_timeout = ${Math.trunc(ms)}`);
}
