/**
 * What the KV store keeps at a key: the whole record as JSON (a KV value holds up to 25 MiB, so
 * no chunking), or a forwarder left by a rotation. Each is written with a KV expiration so KV
 * forgets it eventually; KV's expirations are whole seconds and at least 60 s ahead, so the store
 * checks `expiresAt` itself on every read and a record shorter-lived than that still dies on time.
 */
import type { StoreRecord } from '../../core/store.ts';
import type { KvNamespace, KvPutOptions } from './binding.ts';

/** A forwarder (see `StoreRotation`). */
export interface KvForward {
  readonly kind: 'forward';
  readonly successor: string;
  readonly readableUntil: number;
  readonly forwardWrites: boolean;
  readonly forwardUntil: number;
}

export type KvItem = ({ readonly kind: 'record' } & StoreRecord) | KvForward;

/** KV refuses expirations less than 60 s ahead. */
const MIN_AHEAD_MS = 61_000;

/** The `put` options that keep an item until `until` (ms), or KV's minimum, whichever is later. */
export function keepUntil(until: number, now = Date.now()): KvPutOptions {
  return { expiration: Math.ceil(Math.max(until, now + MIN_AHEAD_MS) / 1000) };
}

export async function readItem(kv: KvNamespace, key: string): Promise<KvItem | undefined> {
  const text = await kv.get(key, 'text');
  return text === null ? undefined : (JSON.parse(text) as KvItem);
}

export function writeRecord(kv: KvNamespace, key: string, record: StoreRecord): Promise<unknown> {
  return kv.put(key, JSON.stringify({ kind: 'record', ...record }), keepUntil(record.expiresAt));
}

export function writeForward(kv: KvNamespace, key: string, forward: KvForward): Promise<unknown> {
  return kv.put(key, JSON.stringify(forward), keepUntil(forward.forwardUntil));
}

/** The record in `item` without the item's tag. */
export function recordOf(item: KvItem & { kind: 'record' }): StoreRecord {
  const { kind: _kind, ...record } = item;
  return record;
}

/** Whether `item` still holds its key: a live record, or a forwarder inside its window. */
export function holdsKey(item: KvItem | undefined, now: number): boolean {
  if (item === undefined) return false;
  return item.kind === 'record' ? item.expiresAt > now : item.forwardUntil > now;
}
