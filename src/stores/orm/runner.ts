/**
 * What the ORM stores need from an ORM client, whichever ORM it is: send one SQL statement with
 * its values, and open a transaction with the ORM's own API on the root client. Each ORM's glue
 * (stores/kysely/runner.ts, stores/drizzle/runner.ts) implements it; stores/orm/table-store.ts
 * turns it into the PostgreSQL, MySQL or SQLite table store.
 */

/** The SQL dialect of the app's database. */
export type OrmDialect = 'postgres' | 'mysql' | 'sqlite';

/** What one statement gave back: its rows (possibly none), and how many rows it changed. */
export interface OrmResult {
  readonly rows: readonly Record<string, unknown>[];
  /** Rows an INSERT, UPDATE or DELETE matched or removed; for a SELECT, the rows it returned. */
  readonly affected: number;
}

/** Sends one statement (placeholders as the dialect writes them: `$1` or `?`) and its values. */
export type OrmRun = (sql: string, values: readonly unknown[]) => Promise<OrmResult>;

/** The same, for a client that answers synchronously (Drizzle on better-sqlite3). */
export type OrmRunSync = (sql: string, values: readonly unknown[]) => OrmResult;

/** One ORM client as the stores drive it. */
export interface OrmRunner {
  readonly dialect: OrmDialect;
  /** One statement on the root client, outside any transaction. */
  readonly run: OrmRun;
  /**
   * Runs `body` in a new transaction opened with the ORM's transaction API on the root client (a
   * connection of its own, never one the app has a transaction open on); commits when `body`
   * resolves, rolls back and rethrows when it rejects.
   */
  transaction<T>(body: (run: OrmRun) => Promise<T>): Promise<T>;
  /**
   * For a synchronous SQLite client: its statements, and a `BEGIN IMMEDIATE` transaction whose
   * body runs synchronously, so no other call of the process can run inside it.
   */
  readonly sync?: {
    readonly run: OrmRunSync;
    immediateTransaction<T>(body: (run: OrmRunSync) => T): T;
    /**
     * Whether the app has a transaction open on the connection (a `BEGIN` it sent itself): a
     * statement sent now would run inside it, so the store waits for it to end first.
     */
    appTransactionOpen(): boolean;
  };
}

/** Whether a statement answers with rows: a SELECT, or a `WITH … SELECT`, or one with RETURNING. */
export function returnsRows(sql: string): boolean {
  const first = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase();
  return first === 'SELECT' || first === 'WITH' || /\bRETURNING\b/i.test(sql);
}
