/**
 * Rotation and a create under a user limit on D1: plan the batch (pure), run it as one atomic
 * `batch()`, then read the outcome off what its first statement saw and what its writes changed.
 */
import { ConflictError } from '../../core/errors.ts';
import type * as contract from '../../core/store.ts';
import { rotationBlocker } from '../shared/sql-forwarding.ts';
import { mergePatch } from '../shared/sql-merge-patch.ts';
import { ROW_COLUMNS, type SqlRow } from '../shared/sql-row.ts';
import { quoteSqlite } from '../sqlite/schema.ts';
import type { D1Binding, D1Result, D1Statement, D1Value } from './binding.ts';
import { type D1StatementName, d1Sql } from './statements.ts';

/** The batch statements of one table, prepared once, each bound with exactly its parameters. */
export interface D1Batches {
  create(
    key: string,
    record: contract.NewStoreRecord & { userId: string },
    limit: contract.UserLimit,
  ): Promise<contract.CreateOutcome>;
  rotate(oldKey: string, newKey: string, rotation: contract.StoreRotation): Promise<contract.RotateOutcome>;
}

/** The highest `?N` of a statement: D1 wants exactly that many values bound. */
function arity(sql: string): number {
  return Math.max(0, ...[...sql.matchAll(/\?(\d+)/g)].map((match) => Number(match[1])));
}

/** What the `state` statement saw, before any write of the batch. */
interface State {
  readonly taken: number;
  readonly others: number;
}

function stateOf(result: D1Result | undefined): State {
  const row = result?.results?.[0];
  return { taken: Number(row?.taken ?? 0), others: Number(row?.others ?? 0) };
}

const changed = (result: D1Result | undefined) => (result?.meta.changes ?? 0) === 1;

export function d1Batches(db: D1Binding, table: string): D1Batches {
  const sql = { ...d1Sql(table), readRow: `SELECT ${ROW_COLUMNS} FROM ${quoteSqlite(table)} WHERE key = ?1` };
  const prepared = new Map<string, { statement: D1Statement; arity: number }>();
  const bound = (name: D1StatementName | 'readRow', values: readonly D1Value[]): D1Statement => {
    let entry = prepared.get(name);
    if (entry === undefined) {
      entry = { statement: db.prepare(sql[name]), arity: arity(sql[name]) };
      prepared.set(name, entry);
    }
    return entry.statement.bind(...values.slice(0, entry.arity));
  };
  /** ?5: the reject limit for inserts, the max for evictions; NULL without a limit. */
  const limitValue = (limit: contract.UserLimit | undefined, evicting: boolean): number | null =>
    limit === undefined ? null : (limit.onLimit === 'evictOldest') === evicting ? limit.max : null;

  return {
    async create(key, record, limit) {
      const base = [key, key, Date.now(), record.userId] as const;
      const row = [JSON.stringify(record.data), record.createdAt, record.lastSeenAt, record.expiresAt];
      const steps = [
        bound('state', base),
        bound('create', [...base, limitValue(limit, false), ...row, record.absoluteExpiresAt]),
      ];
      if (limit.onLimit === 'evictOldest') steps.push(bound('evict', [...base, limit.max]));
      const [state, insert] = await db.batch(steps);
      if (changed(insert)) return true;
      return stateOf(state).taken > 0 ? false : 'limit';
    },
    async rotate(oldKey, newKey, rotation) {
      const { record, limit } = rotation;
      const now = Date.now();
      // A null owner ignores the limit: `user_id = NULL` matches nothing, and no limit is bound.
      const userLimit = record.userId === null ? undefined : limit;
      const base = [newKey, oldKey, now, record.userId] as const;
      const times = [record.createdAt, record.lastSeenAt, record.expiresAt, record.absoluteExpiresAt];
      const insert = [...base, limitValue(userLimit, false), mergePatch(rotation.patch), ...times];
      const forward = [
        ...insert,
        rotation.readableUntil,
        rotation.forwardWrites ? 1 : 0,
        rotation.forwardUntil,
      ];
      const steps = [
        bound('readRow', [oldKey]),
        bound('state', base),
        bound('rotate', insert),
        bound('forward', forward),
      ];
      if (userLimit?.onLimit === 'evictOldest') steps.push(bound('evict', [...base, userLimit.max]));
      const [old, state, inserted, forwarded] = await db.batch(steps);
      if (changed(inserted) && changed(forwarded)) return 'rotated';
      const blocked = rotationBlocker(old?.results?.[0] as SqlRow | undefined, now);
      if (blocked !== undefined) return blocked;
      if (userLimit?.onLimit === 'reject' && stateOf(state).others >= userLimit.max) return 'limit';
      throw new ConflictError('d1Store: the key a session was rotated to already holds a live session.');
    },
  };
}
