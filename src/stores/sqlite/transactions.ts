/**
 * The SQLite store's multi-statement steps (rotation, and a create under a user limit), each one
 * `BEGIN IMMEDIATE` transaction: it takes the database's write lock first, so every such step is
 * serial across all processes sharing the file, and nothing can change between its reads and its
 * writes (better-sqlite3 runs it synchronously, so not even this process's other calls).
 */
import type { Database } from 'better-sqlite3';
import { ConflictError } from '../../core/errors.ts';
import type {
  CreateOutcome,
  NewStoreRecord,
  RotateOutcome,
  StoreRotation,
  UserLimit,
} from '../../core/store.ts';
import { applyPatch } from '../shared/apply-patch.ts';
import { rotationBlocker } from '../shared/sql-forwarding.ts';
import { toRecord } from '../shared/sql-row.ts';
import { planUserLimit } from '../shared/user-limit.ts';
import { insertRecord, type SqliteStatements } from './statements.ts';

/** The transactions, bound to one database and its statements. */
export interface SqliteTransactions {
  /** `create` with a limit for a non-null user. */
  create(key: string, record: NewStoreRecord, limit: UserLimit, now: number): CreateOutcome;
  rotate(oldKey: string, newKey: string, rotation: StoreRotation, now: number): RotateOutcome;
}

/** Builds the transactions over prepared statements `s` of `db`. */
export function prepareTransactions(db: Database, s: SqliteStatements): SqliteTransactions {
  /**
   * Applies `limit` before a session of `userId` is added (`exceptKey`, the key it replaces, left
   * out). Victims are deleted as records: inside the transaction none of them can be rotated away.
   */
  const admit = (userId: string, limit: UserLimit, exceptKey: string, now: number) => {
    const live = s.liveOfUser.all(userId, now, exceptKey).map((row) => ({
      key: row.key,
      lastSeenAt: row.last_seen_at,
    }));
    const plan = planUserLimit(live, limit);
    if (plan === 'limit') return 'limit';
    if (plan.length > 0) s.removeRecords.all(JSON.stringify(plan));
    return 'admitted';
  };

  const create = db.transaction(
    (key: string, record: NewStoreRecord, limit: UserLimit, now: number): CreateOutcome => {
      const existing = s.readRow.get(key);
      if (existing !== undefined && Number(existing.expires_at) > now) return false;
      if (record.userId !== null && admit(record.userId, limit, key, now) === 'limit') return 'limit';
      return insertRecord(s, key, record, now);
    },
  );

  const rotate = db.transaction(
    (oldKey: string, newKey: string, rotation: StoreRotation, now: number): RotateOutcome => {
      const old = s.readRow.get(oldKey);
      const blocked = rotationBlocker(old, now);
      if (blocked !== undefined || old === undefined) return blocked ?? 'gone';
      const { limit, record } = rotation;
      if (
        limit !== undefined &&
        record.userId !== null &&
        admit(record.userId, limit, oldKey, now) === 'limit'
      ) {
        return 'limit';
      }
      const data = applyPatch(toRecord(old).data, rotation.patch);
      if (!insertRecord(s, newKey, { ...record, data }, now)) {
        throw new ConflictError(
          'sqliteStore: the key a session was rotated to already holds a live session.',
        );
      }
      const { readableUntil, forwardWrites, forwardUntil } = rotation;
      s.forward.run(newKey, readableUntil, forwardWrites ? 1 : 0, forwardUntil, oldKey);
      return 'rotated';
    },
  );

  return {
    create: (key, record, limit, now) => create.immediate(key, record, limit, now),
    rotate: (oldKey, newKey, rotation, now) => rotate.immediate(oldKey, newKey, rotation, now),
  };
}
