/**
 * The SQL of the MySQL/MariaDB store, one statement per step, for one (quoted) table.
 *
 * Only syntax both servers share: no `RETURNING` (MariaDB only), no `ADD COLUMN IF NOT EXISTS`.
 * Record statements say `successor IS NULL`: a forwarder row is never a record (shared/sql-row.ts).
 * `UPDATE` and `DELETE` read the latest committed row under its lock, so one that waited on a
 * rotation re-checks the forwarder it became, not the record it was.
 */
import { ConflictError } from '../../core/errors.ts';
import type { NewStoreRecord, RotateOutcome, StoreRotation } from '../../core/store.ts';
import { applyPatch } from '../shared/apply-patch.ts';
import type { EndingSteps } from '../shared/sql-ending.ts';
import { rotationBlocker } from '../shared/sql-forwarding.ts';
import { ROW_COLUMNS, recordValues, type SqlRow, toRecord } from '../shared/sql-row.ts';
import { patchOwner, patchWindow, type SqlPatch } from '../shared/sql-store.ts';

/** Runs one statement: on the pool, or on the connection of a transaction (mysql2's `query`). */
export type MysqlQuery = (sql: string, values?: unknown) => Promise<unknown>;

interface ResultHeader {
  readonly affectedRows?: number;
  readonly info?: string;
}

/** The rows of a SELECT as mysql2 resolves them (`[rows, fields]`). */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  const rows = (result as [unknown])[0];
  return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
}

/** Rows a DELETE removed. */
export function affectedRows(result: unknown): number {
  return (result as [ResultHeader])[0].affectedRows ?? 0;
}

/**
 * Rows an UPDATE matched, whether or not it changed them: mysql2 sets CLIENT_FOUND_ROWS by default,
 * but a pool configured without it reports only changed rows, which would make a touch with the
 * same window look like a miss. The server's info line always has the matched count.
 */
export function matchedRows(result: unknown): number {
  const header = (result as [ResultHeader])[0];
  const matched = /Rows matched: (\d+)/.exec(header.info ?? '');
  return matched ? Number(matched[1]) : (header.affectedRows ?? 0);
}

/** The row at `key`, either kind; `lock` reads it `FOR UPDATE` (inside a transaction). */
export async function readRow(
  q: MysqlQuery,
  t: string,
  key: string,
  lock = false,
): Promise<SqlRow | undefined> {
  const result = await q(`SELECT ${ROW_COLUMNS} FROM ${t} WHERE \`key\` = ?${lock ? ' FOR UPDATE' : ''}`, [
    key,
  ]);
  return rowsOf(result)[0] as SqlRow | undefined;
}

/**
 * Inserts a record; a dead row with the same key (an expired record, or a forwarder past its
 * window) is taken over. New keys are random, so the plain INSERT almost always succeeds: one
 * round trip. @returns whether the record was written.
 */
export async function insertRecord(
  q: MysqlQuery,
  t: string,
  key: string,
  record: NewStoreRecord,
  now: number,
): Promise<boolean> {
  const columns = recordValues(record);
  try {
    await q(
      `INSERT INTO ${t} (\`key\`, data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, rev)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
      [key, ...columns],
    );
    return true;
  } catch (error) {
    if ((error as { errno?: unknown }).errno !== 1062) throw error; // ER_DUP_ENTRY
  }
  // The key exists: take it over only if that row is dead (atomic under the row lock).
  const result = await q(
    `UPDATE ${t} SET data = ?, user_id = ?, created_at = ?, last_seen_at = ?, expires_at = ?,
       absolute_expires_at = ?, rev = 1, successor = NULL, readable_until = NULL, forward_writes = NULL
     WHERE \`key\` = ? AND expires_at <= ?`,
    [...columns, key, now],
  );
  return matchedRows(result) === 1;
}

/**
 * Patches the live record at `key` with one `JSON_MERGE_PATCH` (RFC 7396: set keys carry their
 * string value, deleted keys `null`): atomic under the row lock, no JSON path quoting (any key
 * works: quotes, `$`, dots, unicode), and concurrent disjoint patches all survive.
 */
export async function patchRecord(
  q: MysqlQuery,
  t: string,
  key: string,
  patch: SqlPatch,
  now: number,
): Promise<boolean> {
  const mergePatch = Object.fromEntries<string | null>([
    ...Object.entries(patch.set),
    ...patch.del.map((name): [string, null] => [name, null]),
  ]);
  const owner = patchOwner(patch);
  const [lastSeenAt, expiresAt] = patchWindow(patch);
  // A data-only patch (a blind write) keeps the row's window: COALESCE of a null.
  const result = await q(
    `UPDATE ${t} SET data = JSON_MERGE_PATCH(data, ?), user_id = IF(?, user_id, ?),
       last_seen_at = COALESCE(?, last_seen_at), expires_at = COALESCE(?, expires_at), rev = rev + 1
     WHERE \`key\` = ? AND successor IS NULL AND expires_at > ?`,
    [JSON.stringify(mergePatch), owner === undefined, owner ?? null, lastSeenAt, expiresAt, key, now],
  );
  return matchedRows(result) === 1;
}

/**
 * Rotates inside the caller's transaction: locks the old row (waiting for a rotation or delete in
 * progress, then reading the row as it committed), writes the new record from the data it holds
 * now with the rotation's patch applied, and turns the old row into a forwarder.
 * @throws ConflictError (`COATCHECK_CONFLICT`) when `newKey` already holds a live row.
 */
export async function rotateRecord(
  q: MysqlQuery,
  t: string,
  keys: { readonly oldKey: string; readonly newKey: string },
  rotation: StoreRotation,
  now: number,
): Promise<RotateOutcome> {
  const old = await readRow(q, t, keys.oldKey, true);
  const blocked = rotationBlocker(old, now);
  if (blocked !== undefined || old === undefined) return blocked ?? 'gone';
  const record = { ...rotation.record, data: applyPatch(toRecord(old).data, rotation.patch) };
  if (!(await insertRecord(q, t, keys.newKey, record, now))) {
    throw new ConflictError('mysqlStore: the key a session was rotated to already holds a live session.');
  }
  await q(
    `UPDATE ${t} SET successor = ?, readable_until = ?, forward_writes = ?, expires_at = ?, data = '{}'
     WHERE \`key\` = ?`,
    [keys.newKey, rotation.readableUntil, rotation.forwardWrites, rotation.forwardUntil, keys.oldKey],
  );
  return 'rotated';
}

/**
 * The live records of `userId` other than `exceptKey`, as a limit weighs them; `lock` makes it a
 * locking read, which waits for a transaction still writing the user's rows and then reads them
 * as it committed.
 */
export async function liveOfUser(
  q: MysqlQuery,
  t: string,
  userId: string,
  exceptKey: string,
  now: number,
  lock = false,
): Promise<{ key: string; lastSeenAt: number }[]> {
  const result = await q(
    `SELECT \`key\`, last_seen_at FROM ${t} WHERE user_id = ? AND successor IS NULL AND expires_at > ? AND \`key\` <> ?${lock ? ' FOR UPDATE' : ''}`,
    [userId, now, exceptKey],
  );
  return rowsOf(result).map((row) => ({ key: String(row.key), lastSeenAt: Number(row.last_seen_at) }));
}

/**
 * The statements `endSessions` runs, on `q` (the pool, or a transaction's connection). The
 * successor lookup is a locking read: inside a REPEATABLE READ transaction a plain SELECT would
 * answer from the transaction's snapshot and miss a rotation that committed since.
 */
export function endingSteps(q: MysqlQuery, t: string, now: number): EndingSteps {
  return {
    async removeRecords(keys) {
      // Live first: ending a live session, the common case, is one statement.
      const live = affectedRows(
        await q(`DELETE FROM ${t} WHERE \`key\` IN (?) AND successor IS NULL AND expires_at > ?`, [
          keys,
          now,
        ]),
      );
      if (live === keys.length) return { removed: live, live };
      const dead = affectedRows(
        await q(`DELETE FROM ${t} WHERE \`key\` IN (?) AND successor IS NULL`, [keys]),
      );
      return { removed: live + dead, live };
    },
    async successors(keys) {
      const result = await q(
        `SELECT \`key\`, successor FROM ${t} WHERE \`key\` IN (?) AND successor IS NOT NULL FOR UPDATE`,
        [keys],
      );
      return new Map(rowsOf(result).map((row) => [String(row.key), String(row.successor)]));
    },
    removeForwarders(keys) {
      return q(`DELETE FROM ${t} WHERE \`key\` IN (?) AND successor IS NOT NULL`, [keys]);
    },
  };
}
