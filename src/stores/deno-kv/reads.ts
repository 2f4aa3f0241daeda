/**
 * Reading sessions from Deno KV: heads (with the versionstamps writes check), and records with
 * their data, following a head to its chunks.
 */
import type { EncodedData, StoreRecord } from '../../core/store.ts';
import type { DenoKv, KvEntryMaybe, KvKey } from './binding.ts';
import type { Head, Keys, ReadHead, RecordHead } from './layout.ts';

/** `getMany` takes at most 10 keys. */
const GET_MANY = 10;

/** The session, the user index and its version of one store. */
export interface KvContext {
  readonly kv: DenoKv;
  readonly keys: Keys;
}

/** Reads many keys, 10 per `getMany`, in order; values are what this store wrote there (`T`). */
async function getAll<T>(kv: DenoKv, keys: readonly KvKey[]): Promise<KvEntryMaybe<T>[]> {
  const out: KvEntryMaybe<T>[] = [];
  for (let i = 0; i < keys.length; i += GET_MANY) {
    out.push(...((await kv.getMany(keys.slice(i, i + GET_MANY))) as readonly KvEntryMaybe<T>[]));
  }
  return out;
}

export async function readHead({ kv, keys }: KvContext, key: string): Promise<ReadHead> {
  const entry = await kv.get<Head>(keys.head(key));
  return { key, head: entry.value ?? undefined, versionstamp: entry.versionstamp };
}

export async function readHeads({ kv, keys }: KvContext, list: readonly string[]): Promise<ReadHead[]> {
  const entries = await getAll<Head>(
    kv,
    list.map((key) => keys.head(key)),
  );
  return entries.map((entry, i) => ({
    key: list[i] ?? '',
    head: entry.value ?? undefined,
    versionstamp: entry.versionstamp,
  }));
}

/**
 * The record a head describes, data included; `undefined` when its chunks are gone (a write
 * replaced the head after it was read: read the head again).
 */
export async function recordOf({ kv, keys }: KvContext, key: string, head: RecordHead) {
  const { kind: _kind, inline, gen, chunks, ...fields } = head;
  let json = inline;
  if (json === undefined && gen !== undefined) {
    const parts = await getAll<string>(
      kv,
      Array.from({ length: chunks ?? 0 }, (_, i) => keys.chunk(key, gen, i)),
    );
    if (parts.some((part) => part.value === null)) return undefined;
    json = parts.map((part) => part.value).join('');
  }
  return { ...fields, data: JSON.parse(json ?? '{}') as EncodedData } satisfies StoreRecord;
}

/** The record at `key` with its head, read until head and chunks agree; `undefined` when not a record. */
export async function readRecord(context: KvContext, key: string) {
  for (;;) {
    const read = await readHead(context, key);
    if (read.head?.kind !== 'record') return { read, record: undefined };
    const record = await recordOf(context, key, read.head);
    if (record !== undefined) return { read, record };
  }
}

/** The keys the user index lists for `userId` (records and forwarders). */
export async function userKeys({ kv, keys }: KvContext, userId: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of kv.list({ prefix: keys.userPrefix(userId) })) {
    found.push(String(entry.key.at(-1)));
  }
  return found;
}
