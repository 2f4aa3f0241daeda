/**
 * How a session lives in Deno KV, and the pure plans (checks, sets, deletes) that change it.
 *
 * Keys, under the store's prefix P:
 * - `[P, 's', key]`: the session's head: a record (its fields, and its data inline when small) or
 *   a forwarder left by a rotation (successor, window, old owner), like a row of the SQL stores;
 * - `[P, 'c', key, gen, i]`: data too large for one value (Deno KV holds at most 64 KiB per value),
 *   in chunks written once under a fresh `gen` and deleted with the head that names them, so a
 *   reader that finds the head finds its chunks or knows to read again;
 * - `[P, 'u', userId, key]`: the user index, for records and forwarders of that user;
 * - `[P, 'v', userId]`: the user's version, bumped by every write that adds a session for the user
 *   and checked by a create or rotation under a limit, so parallel logins cannot both fit.
 */
import type { StoreRecord } from '../../core/store.ts';
import type { DenoKv, KvAtomicOperation, KvKey } from './binding.ts';

/** Code units per chunk: at most 2 bytes each as Deno serializes strings, under 64 KiB with room. */
const CHUNK = 30_000;

/** A record's head: the record less its data, and where the data is. */
export interface RecordHead extends Omit<StoreRecord, 'data'> {
  readonly kind: 'record';
  /** The data as JSON, when it fits in the head. */
  readonly inline?: string;
  /** Otherwise: the chunk generation and how many chunks. */
  readonly gen?: string;
  readonly chunks?: number;
}

/** A rotated-away key (see `StoreRotation`). */
export interface ForwardHead {
  readonly kind: 'forward';
  readonly successor: string;
  readonly userId: string | null;
  readonly readableUntil: number;
  readonly forwardWrites: boolean;
  readonly forwardUntil: number;
}

export type Head = RecordHead | ForwardHead;

/** A head as read, with the versionstamp a write checks (`null`: absent). */
export interface ReadHead {
  readonly key: string;
  readonly head: Head | undefined;
  readonly versionstamp: string | null;
}

/** Whether `head` still holds its key: a live record, or a forwarder inside its window. */
export function holdsKey(head: Head | undefined, now: number): boolean {
  if (head === undefined) return false;
  return head.kind === 'record' ? head.expiresAt > now : head.forwardUntil > now;
}

/** One atomic change, built without I/O and committed once. */
export interface Plan {
  readonly checks: { key: KvKey; versionstamp: string | null }[];
  readonly sets: [KvKey, unknown][];
  readonly deletes: KvKey[];
}

export const emptyPlan = (): Plan => ({ checks: [], sets: [], deletes: [] });

/** The key helpers of one prefix. */
export interface Keys {
  head(key: string): KvKey;
  chunk(key: string, gen: string, index: number): KvKey;
  user(userId: string, key: string): KvKey;
  userPrefix(userId: string): KvKey;
  userVersion(userId: string): KvKey;
  heads(): KvKey;
}

export function keysOf(prefix: KvKey): Keys {
  return {
    head: (key) => [...prefix, 's', key],
    chunk: (key, gen, index) => [...prefix, 'c', key, gen, index],
    user: (userId, key) => [...prefix, 'u', userId, key],
    userPrefix: (userId) => [...prefix, 'u', userId],
    userVersion: (userId) => [...prefix, 'v', userId],
    heads: () => [...prefix, 's'],
  };
}

/** Adds to `plan` the writes of a record at `key` (head and, when large, fresh chunks). */
export function putRecord(plan: Plan, keys: Keys, key: string, record: StoreRecord): void {
  const { data, ...fields } = record;
  const json = JSON.stringify(data);
  if (json.length <= CHUNK) {
    plan.sets.push([keys.head(key), { kind: 'record', ...fields, inline: json } satisfies RecordHead]);
    return;
  }
  const gen = crypto.randomUUID();
  const chunks = Math.ceil(json.length / CHUNK);
  for (let i = 0; i < chunks; i++) {
    plan.sets.push([keys.chunk(key, gen, i), json.slice(i * CHUNK, (i + 1) * CHUNK)]);
  }
  plan.sets.push([keys.head(key), { kind: 'record', ...fields, gen, chunks } satisfies RecordHead]);
}

/** Adds to `plan` the deletion of the chunks `head` names (none for inline data or a forwarder). */
export function dropChunks(plan: Plan, keys: Keys, key: string, head: Head | undefined): void {
  if (head?.kind !== 'record' || head.gen === undefined) return;
  for (let i = 0; i < (head.chunks ?? 0); i++) plan.deletes.push(keys.chunk(key, head.gen, i));
}

/** Adds to `plan` the removal of everything at `read.key`, checked against what was read. */
export function dropSession(plan: Plan, keys: Keys, read: ReadHead): void {
  plan.checks.push({ key: keys.head(read.key), versionstamp: read.versionstamp });
  if (read.head === undefined) return;
  plan.deletes.push(keys.head(read.key));
  dropChunks(plan, keys, read.key, read.head);
  if (read.head.userId !== null) plan.deletes.push(keys.user(read.head.userId, read.key));
}

/** Commits `plan` as one atomic operation; `false` when a check failed (nothing was written). */
export async function commit(kv: DenoKv, plan: Plan): Promise<boolean> {
  let op: KvAtomicOperation = kv.atomic();
  if (plan.checks.length > 0) op = op.check(...plan.checks);
  for (const key of plan.deletes) op = op.delete(key);
  for (const [key, value] of plan.sets) op = op.set(key, value);
  return (await op.commit()).ok;
}
