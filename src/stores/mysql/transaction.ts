/**
 * The transactions of the MySQL/MariaDB store (rotate, and create under a user limit): one pooled
 * connection, an optional per-user named lock, retried when InnoDB picks it as a deadlock victim.
 *
 * Why a named lock for limits and not `SELECT … FOR UPDATE` on the user's rows: in REPEATABLE READ
 * that takes gap locks, which do stop parallel logins of the user from inserting, but every one of
 * them holds the gap and waits to insert into it, so 50 parallel logins deadlock each other in a
 * storm. `GET_LOCK` makes them queue instead. It is taken before the transaction begins and
 * released after it commits, so the next holder's first read sees what this one wrote.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { MysqlQuery } from './statements.ts';

/** A connection checked out of the pool (`mysql2/promise` `PoolConnection`). */
export interface MysqlConnectionLike {
  /** Runs one statement on this checked-out connection. */
  query(sql: string, values?: unknown): Promise<unknown>;
  /** Returns the connection to the pool. */
  release(): void;
  /** Closes the connection instead of returning it (mysql2 has it); used when its state is unknown. */
  destroy?(): void;
}

/** What a transaction needs of the pool. */
export interface MysqlConnectable {
  /** Checks out a connection for the transactions (rotation, limits) and the migration's named lock. */
  getConnection(): Promise<MysqlConnectionLike>;
}

/** ER_LOCK_DEADLOCK (the server rolled the transaction back) and ER_LOCK_WAIT_TIMEOUT. */
const RETRYABLE = new Set([1213, 1205]);

/** Attempts of one transaction before its deadlock error is passed on. */
export const TRANSACTION_ATTEMPTS = 5;

/** How long (s) GET_LOCK waits for another login of the same user. */
const USER_LOCK_TIMEOUT_S = 10;

/** The per-user lock name: unique to the database, table and user, within GET_LOCK's 64 characters. */
const LOCK_NAME = "CONCAT('coatcheck:', LEFT(SHA2(CONCAT(DATABASE(), '.', ?), 256), 48))";

/** Whether `error` is a deadlock or lock wait timeout, after which the transaction may be run again. */
export function isRetryable(error: unknown): boolean {
  return RETRYABLE.has((error as { errno?: unknown }).errno as number);
}

/** What {@link inTransaction} runs. */
export interface TransactionOptions<T> {
  /** Held for the whole transaction when given (e.g. `table:user:<id>`). */
  readonly lock?: string | undefined;
  /** Commit when true for the outcome, roll back otherwise. Default: always commit. */
  readonly keep?: (outcome: T) => boolean;
  /** Called with each error that made an attempt start again (for tests and logs). */
  readonly onRetry?: ((error: unknown) => void) | undefined;
}

/**
 * Runs `body` in a transaction on one connection of `pool`, retrying the whole attempt (lock
 * included) up to {@link TRANSACTION_ATTEMPTS} times on a deadlock or lock wait timeout. The
 * connection is always given back: released after a clean end, destroyed when a rollback or the
 * lock release failed, so the server drops the session with whatever it held.
 */
export async function inTransaction<T>(
  pool: MysqlConnectable,
  body: (q: MysqlQuery) => Promise<T>,
  options: TransactionOptions<T> = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce(pool, body, options);
    } catch (error) {
      if (!isRetryable(error) || attempt >= TRANSACTION_ATTEMPTS) throw error;
      options.onRetry?.(error);
      // Jittered backoff, so the transactions that collided do not collide again at once.
      await sleep(Math.floor(Math.random() * 10 * attempt) + 1);
    }
  }
}

async function attemptOnce<T>(
  pool: MysqlConnectable,
  body: (q: MysqlQuery) => Promise<T>,
  options: TransactionOptions<T>,
): Promise<T> {
  const connection = await pool.getConnection();
  const q: MysqlQuery = (sql, values) => connection.query(sql, values);
  let clean = true;
  let locked = false;
  try {
    if (options.lock !== undefined) {
      const result = await q(`SELECT GET_LOCK(${LOCK_NAME}, ?) AS locked`, [
        options.lock,
        USER_LOCK_TIMEOUT_S,
      ]);
      locked = Number((result as [{ locked?: unknown }[]])[0][0]?.locked) === 1;
      if (!locked)
        throw new Error(`mysqlStore: another login of this user held its lock for ${USER_LOCK_TIMEOUT_S} s`);
    }
    await q('START TRANSACTION');
    try {
      const outcome = await body(q);
      await q((options.keep?.(outcome) ?? true) ? 'COMMIT' : 'ROLLBACK');
      return outcome;
    } catch (error) {
      await q('ROLLBACK').catch(() => {
        clean = false;
      });
      throw error;
    }
  } finally {
    if (locked) {
      await q(`SELECT RELEASE_LOCK(${LOCK_NAME})`, [options.lock]).catch(() => {
        clean = false;
      });
    }
    if (clean || connection.destroy === undefined) connection.release();
    else connection.destroy();
  }
}
