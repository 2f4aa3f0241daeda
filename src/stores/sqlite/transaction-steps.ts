/**
 * The SQLite store's multi-statement steps (rotation, and a create under a user limit), written
 * once as generators that yield one statement at a time: a synchronous client (better-sqlite3,
 * or Drizzle over it) runs them inside its synchronous `BEGIN IMMEDIATE` transaction, an
 * asynchronous one (Kysely) inside its transaction, awaiting each statement.
 *
 * Each runs holding SQLite's write lock from its first statement, so it is serial with every other
 * process on the file, and nothing can change between its reads and its writes.
 */
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
import { recordValues, toRecord } from '../shared/sql-row.ts';
import { planUserLimit } from '../shared/user-limit.ts';
import type { SqliteRow, SqliteStatementName } from './statements.ts';

/** One statement to run: its name in `sqliteSql` and its values. */
export interface SqliteStep {
  readonly name: SqliteStatementName;
  readonly values: readonly unknown[];
}

/** What a statement gave back: its rows (readers), or how many rows it changed (writers). */
export interface SqliteOutcome {
  readonly rows: readonly Record<string, unknown>[];
  readonly changes: number;
}

/** A transaction body: yields statements, receives their outcomes, returns the result. */
export type SqliteSteps<T> = Generator<SqliteStep, T, SqliteOutcome>;

/** Runs `steps`, each statement synchronously (inside a synchronous transaction). */
export function runStepsSync<T>(steps: SqliteSteps<T>, exec: (step: SqliteStep) => SqliteOutcome): T {
  let next = steps.next();
  while (!next.done) next = steps.next(exec(next.value));
  return next.value;
}

/** Runs `steps`, awaiting each statement. */
export async function runStepsAsync<T>(
  steps: SqliteSteps<T>,
  exec: (step: SqliteStep) => SqliteOutcome | Promise<SqliteOutcome>,
): Promise<T> {
  let next = steps.next();
  while (!next.done) next = steps.next(await exec(next.value));
  return next.value;
}

const step = (name: SqliteStatementName, ...values: unknown[]): SqliteStep => ({ name, values });

/** The create statement's step (a dead row at `key` is replaced). */
export function insertStep(key: string, record: NewStoreRecord, now: number): SqliteStep {
  return step('create', key, ...recordValues(record), now);
}

/**
 * Applies `limit` before a session of `userId` is added (`exceptKey`, the key it replaces, left
 * out). Victims are deleted as records: inside the transaction none of them can be rotated away.
 */
function* admit(
  userId: string,
  limit: UserLimit,
  exceptKey: string,
  now: number,
): SqliteSteps<'admitted' | 'limit'> {
  const { rows } = yield step('liveOfUser', userId, now, exceptKey);
  const live = rows.map((row) => ({ key: String(row.key), lastSeenAt: Number(row.last_seen_at) }));
  const plan = planUserLimit(live, limit);
  if (plan === 'limit') return 'limit';
  if (plan.length > 0) yield step('removeRecords', JSON.stringify(plan));
  return 'admitted';
}

/** `create` with a limit for a non-null user. */
export function* createSteps(
  key: string,
  record: NewStoreRecord & { readonly userId: string },
  limit: UserLimit,
  now: number,
): SqliteSteps<CreateOutcome> {
  const existing = (yield step('readRow', key)).rows[0] as SqliteRow | undefined;
  if (existing !== undefined && Number(existing.expires_at) > now) return false;
  if ((yield* admit(record.userId, limit, key, now)) === 'limit') return 'limit';
  return (yield insertStep(key, record, now)).changes === 1;
}

/** `rotate`: the old row read, the limit applied, the new record written, the old row forwarding. */
export function* rotateSteps(
  oldKey: string,
  newKey: string,
  rotation: StoreRotation,
  now: number,
): SqliteSteps<RotateOutcome> {
  const old = (yield step('readRow', oldKey)).rows[0] as SqliteRow | undefined;
  const blocked = rotationBlocker(old, now);
  if (blocked !== undefined || old === undefined) return blocked ?? 'gone';
  const { limit, record } = rotation;
  if (limit !== undefined && record.userId !== null) {
    if ((yield* admit(record.userId, limit, oldKey, now)) === 'limit') return 'limit';
  }
  const data = applyPatch(toRecord(old).data, rotation.patch);
  if ((yield insertStep(newKey, { ...record, data }, now)).changes !== 1) {
    throw new ConflictError('sqliteStore: the key a session was rotated to already holds a live session.');
  }
  const { readableUntil, forwardWrites, forwardUntil } = rotation;
  yield step('forward', newKey, readableUntil, forwardWrites ? 1 : 0, forwardUntil, oldKey);
  return 'rotated';
}
