/**
 * The Deno KV store's writes, each one atomic operation whose checks cover every key it read
 * (versionstamps), retried from a fresh read when another write won: create (with the user
 * limit), update, touch and rotate.
 */
import { ConflictError } from '../../core/errors.ts';
import type * as contract from '../../core/store.ts';
import { applyPatch, patchedRecord } from '../shared/apply-patch.ts';
import { backoff, RetryBudget } from '../shared/contention.ts';
import { planUserLimit } from '../shared/user-limit.ts';
import { commit, dropChunks, dropSession, holdsKey, type Plan, putRecord } from './layout.ts';
import { type KvContext, readHead, readHeads, readRecord, userKeys } from './reads.ts';

/** A write's context: the store's keys, its name for errors, and its contention budget. */
export interface WriteContext extends KvContext {
  readonly name: string;
  readonly contentionTimeoutMs: number;
}

/** Runs `attempt` until it gives an answer (`undefined`: a check failed, read again). */
export async function retrying<T>(
  context: WriteContext,
  what: string,
  attempt: () => Promise<T | undefined>,
): Promise<T> {
  const budget = new RetryBudget(context.contentionTimeoutMs);
  while (budget.next()) {
    const outcome = await attempt();
    if (outcome !== undefined) return outcome;
    await backoff(budget.attempt);
  }
  throw budget.exhausted(`${context.name}: ${what}`);
}

/**
 * Adds to `plan` what adding a session of `userId` needs: the index entry, the version bump that
 * makes parallel additions conflict, and, under `limit`, the evictions; `'limit'` when it refuses.
 */
async function admit(
  context: WriteContext,
  plan: Plan,
  key: string,
  userId: string | null,
  limit: contract.UserLimit | undefined,
  replacing: string,
): Promise<'admitted' | 'limit'> {
  if (userId === null) return 'admitted';
  const { kv, keys } = context;
  const version = await kv.get(keys.userVersion(userId));
  plan.checks.push({ key: keys.userVersion(userId), versionstamp: version.versionstamp });
  plan.sets.push([keys.userVersion(userId), Date.now()], [keys.user(userId, key), true]);
  if (limit === undefined) return 'admitted';
  const now = Date.now();
  const others = (await userKeys(context, userId)).filter((other) => other !== key && other !== replacing);
  const heads = await readHeads(context, others);
  const live = heads.flatMap((read) =>
    read.head?.kind === 'record' && read.head.expiresAt > now
      ? [{ key: read.key, lastSeenAt: read.head.lastSeenAt, read }]
      : [],
  );
  const victims = planUserLimit(live, limit);
  if (victims === 'limit') return 'limit';
  for (const victim of live) if (victims.includes(victim.key)) dropSession(plan, keys, victim.read);
  return 'admitted';
}

export function createSession(
  context: WriteContext,
  key: string,
  record: contract.NewStoreRecord,
  limit: contract.UserLimit | undefined,
): Promise<contract.CreateOutcome> {
  return retrying(context, 'create', async () => {
    const read = await readHead(context, key);
    if (holdsKey(read.head, Date.now())) return false;
    const plan: Plan = { checks: [], sets: [], deletes: [] };
    dropSession(plan, context.keys, read); // a dead head (and its chunks) is replaced
    if ((await admit(context, plan, key, record.userId, limit, key)) === 'limit') return 'limit';
    putRecord(plan, context.keys, key, { ...record, rev: 1 });
    return (await commit(context.kv, plan)) ? true : undefined;
  });
}

export function updateSession(context: WriteContext, key: string, patch: contract.StorePatch) {
  return retrying(context, 'update', async () => {
    let hop = key;
    for (let seen = 0; seen < 64; seen++) {
      const { read, record } = await readRecord(context, hop);
      const now = Date.now();
      if (read.head?.kind === 'forward') {
        if (!read.head.forwardWrites || read.head.forwardUntil <= now) return false;
        hop = read.head.successor;
        continue;
      }
      if (record === undefined || record.expiresAt <= now) return false;
      const next = patchedRecord(record, patch);
      const plan: Plan = {
        checks: [{ key: context.keys.head(hop), versionstamp: read.versionstamp }],
        sets: [],
        deletes: [],
      };
      dropChunks(plan, context.keys, hop, read.head);
      if (next.userId !== record.userId) {
        if (record.userId !== null) plan.deletes.push(context.keys.user(record.userId, hop));
        await admit(context, plan, hop, next.userId, undefined, hop);
      }
      putRecord(plan, context.keys, hop, next);
      return (await commit(context.kv, plan)) ? true : undefined;
    }
    return false;
  });
}

export function touchSession(context: WriteContext, key: string, window: contract.StoreTouch) {
  return retrying(context, 'touch', async () => {
    const read = await readHead(context, key);
    if (read.head?.kind !== 'record' || read.head.expiresAt <= Date.now()) return false;
    const plan: Plan = {
      checks: [{ key: context.keys.head(key), versionstamp: read.versionstamp }],
      sets: [],
      deletes: [],
    };
    // The chunks stay: the head keeps naming them.
    plan.sets.push([context.keys.head(key), { ...read.head, ...window }]);
    return (await commit(context.kv, plan)) ? true : undefined;
  });
}

export function rotateSession(
  context: WriteContext,
  oldKey: string,
  newKey: string,
  rotation: contract.StoreRotation,
): Promise<contract.RotateOutcome> {
  const { keys } = context;
  return retrying(context, 'rotate', async () => {
    const { read, record } = await readRecord(context, oldKey);
    const now = Date.now();
    if (read.head?.kind === 'forward') return read.head.forwardUntil > now ? 'superseded' : 'gone';
    if (record === undefined || record.expiresAt <= now) return 'gone';
    const target = await readHead(context, newKey);
    if (holdsKey(target.head, now)) {
      throw new ConflictError(
        `${context.name}: the key a session was rotated to already holds a live session.`,
      );
    }
    const plan: Plan = {
      checks: [{ key: keys.head(oldKey), versionstamp: read.versionstamp }],
      sets: [],
      deletes: [],
    };
    dropSession(plan, keys, target);
    const owner = rotation.record.userId;
    if ((await admit(context, plan, newKey, owner, rotation.limit, oldKey)) === 'limit') return 'limit';
    putRecord(plan, keys, newKey, {
      ...rotation.record,
      data: applyPatch(record.data, rotation.patch),
      rev: 1,
    });
    dropChunks(plan, keys, oldKey, read.head);
    // The old owner's index entry stays: deleteByUser must find the forwarder and end what it leads to.
    plan.sets.push([
      keys.head(oldKey),
      {
        kind: 'forward',
        successor: newKey,
        userId: record.userId,
        readableUntil: rotation.readableUntil,
        forwardWrites: rotation.forwardWrites,
        forwardUntil: rotation.forwardUntil,
      },
    ]);
    return (await commit(context.kv, plan)) ? 'rotated' : undefined;
  });
}
