/**
 * The short transaction the PostgreSQL store runs where a user limit must hold: a client checked
 * out of the pool, a transaction-scoped advisory lock on the user, then the statements.
 *
 * Why a lock and not `SELECT … FOR UPDATE` on the user's rows: under READ COMMITTED that locks the
 * rows that exist, not the ones a parallel login is inserting, so two logins could both count 4 of
 * 5 and both insert. The advisory lock makes logins of one user queue, and each statement after it
 * gets a fresh snapshot that sees what the previous holder committed.
 */
import { createHash } from 'node:crypto';
import { UnsupportedError } from '../../core/errors.ts';
import type { PostgresQuery, PostgresQueryResult } from './statements.ts';

/** A client checked out of a pool (`pg.PoolClient`): `query` and `release`. */
export interface PostgresPoolClient {
  /** Runs one statement (or several, without values) on this checked-out client. */
  query(text: string, values?: unknown[]): Promise<unknown>;
  /** Returns the client to the pool; given an error (or `true`), the pool discards it. */
  release(destroy?: boolean | Error): void;
}

/** What {@link inUserTransaction} needs of the pool. */
export interface PostgresConnectable {
  /** Checks out a client for the per-user limit's transaction; without it such calls throw UnsupportedError. */
  connect?(): Promise<PostgresPoolClient>;
}

/**
 * The advisory lock key of `userId` in one table: a signed 64-bit integer literal, computed here,
 * so it can be sent in the same simple query as `BEGIN` (one round trip). Two users sharing a key
 * only queue behind each other.
 */
export function userLockKey(tableIdentity: string, userId: string): string {
  return createHash('sha256')
    .update(`coatcheck:${tableIdentity}:user:`)
    .update(userId)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

/**
 * Runs `body` in a transaction that holds the advisory lock `lockKey`, on one client of `pool`.
 * Commits when `keep(outcome)` is true, rolls back otherwise (or when `body` throws); the client
 * always goes back to the pool, discarded if the rollback failed.
 * @throws UnsupportedError (`COATCHECK_UNSUPPORTED`) when `pool` cannot check out a client.
 */
export async function inUserTransaction<T>(
  pool: PostgresConnectable,
  lockKey: string,
  body: (query: PostgresQuery) => Promise<T>,
  keep: (outcome: T) => boolean,
): Promise<T> {
  if (typeof pool.connect !== 'function') {
    throw new UnsupportedError(
      'postgresStore: a per-user session limit runs a short transaction, which needs a pg.Pool (a pool with connect()); pass the pool rather than a single client or a query() wrapper.',
    );
  }
  const client = await pool.connect();
  const query: PostgresQuery = async (text, values) =>
    (await client.query(text, values)) as PostgresQueryResult;
  let discard: Error | undefined;
  try {
    await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${lockKey})`);
    const outcome = await body(query);
    await client.query(keep(outcome) ? 'COMMIT' : 'ROLLBACK');
    return outcome;
  } catch (error) {
    // Whatever failed (BEGIN, a statement, COMMIT), no transaction may stay open on a pooled
    // client; one that cannot even roll back is discarded.
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      discard = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(discard);
  }
}
