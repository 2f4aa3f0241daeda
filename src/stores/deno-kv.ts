/**
 * `coatcheck/stores/deno-kv`: sessions in Deno KV (`Deno.openKv()`: a local SQLite file, or
 * Deno Deploy's globally replicated KV), with every lifecycle guarantee.
 *
 * Deno KV has atomic operations over many keys with versionstamp checks (compare-and-set), so each
 * store call is one atomic operation checked against everything it read, retried from a fresh read
 * when a concurrent write won: a rotation, a logout following it and a login under the user limit
 * can each only commit on the state they saw. Reads are strongly consistent (the default).
 * Nothing is imported from Deno: `Deno.Kv` is typed structurally (deno-kv/binding.ts).
 */
import type { NewStoreRecord, StoreEntry, UserLimit } from '../core/store.ts';
import { checkDenoKv, type DenoKv, type KvKey } from './deno-kv/binding.ts';
import { endChain, purgeHeads } from './deno-kv/ending.ts';
import { type Head, keysOf } from './deno-kv/layout.ts';
import { readHeads, readRecord, recordOf, userKeys } from './deno-kv/reads.ts';
import {
  createSession,
  rotateSession,
  touchSession,
  updateSession,
  type WriteContext,
} from './deno-kv/writes.ts';
import { CONTENTION_TIMEOUT_MS, MAX_HOPS } from './shared/contention.ts';
import { startPruneTimer } from './shared/prune-timer.ts';
import { scanLimit } from './shared/scan-page.ts';
import { checkStoreKey } from './shared/store-key.ts';
import { intervalMs } from './shared/store-options.ts';
import type { BackgroundPurgeOptions, FullStore } from './shared/store-shape.ts';

export type { DenoKv, KvAtomicOperation, KvEntryMaybe, KvKey, KvListIterator } from './deno-kv/binding.ts';

/** Options of {@link denoKvStore}; `pruneIntervalMs` can be `0` with `Deno.cron` calling `purgeExpired()`. */
export interface DenoKvStoreOptions extends BackgroundPurgeOptions {
  /** The database: `await Deno.openKv()` (a path, `':memory:'`, or none for Deploy's). Left open by `close()`. */
  readonly kv: DenoKv;
  /** Key prefix: every key the store writes starts with these parts. Default `['coatcheck']`. */
  readonly prefix?: KvKey;
  /**
   * How long (ms) one call keeps retrying while concurrent writes to the same session or user win
   * before it fails with `ConflictError`. Default 1 500, under core's 2 s `storeTimeout`.
   */
  readonly contentionTimeoutMs?: number;
}

/** A Deno KV store: the required methods plus every optional capability. */
export type DenoKvStore = FullStore;

/**
 * Creates a session store on Deno KV.
 *
 * Guarantees (all of the Store contract): one live ticket per session, logout and revocation win
 * over a rotation in flight, no resurrection, an atomic `maxSessionsPerUser`, and patches that
 * never lose a concurrent request's keys. Data larger than one KV value (64 KiB) is split into
 * chunks written in the same atomic operation. Expired sessions stay until purged (`get` reports
 * them, core ends them).
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) when `kv` is not a `Deno.Kv` (the message names the
 * fix: await `Deno.openKv()`), or for an invalid interval; per call, for an invalid store key.
 * ConflictError (`COATCHECK_CONFLICT`) when concurrent writes kept winning for `contentionTimeoutMs`.
 * @example
 * const kv = await Deno.openKv();
 * const sessions = createSessions({ store: denoKvStore({ kv }) });
 */
export function denoKvStore(options: DenoKvStoreOptions): DenoKvStore {
  const name = 'denoKvStore';
  const kv = checkDenoKv(name, (options as { kv?: unknown } | undefined)?.kv);
  const context: WriteContext = {
    kv,
    keys: keysOf(options.prefix ?? ['coatcheck']),
    name,
    contentionTimeoutMs: intervalMs(
      name,
      'contentionTimeoutMs',
      options.contentionTimeoutMs ?? CONTENTION_TIMEOUT_MS,
    ),
  };
  const key = (value: string) => checkStoreKey(name, value);
  const purgeExpired = () => purgeHeads(context);
  const timer = startPruneTimer(
    intervalMs(name, 'pruneIntervalMs', options.pruneIntervalMs ?? 300_000),
    purgeExpired,
    options.onPruneError,
  );
  /** The live records among `keys`, with their data. */
  const liveEntries = async (keys: readonly string[]): Promise<StoreEntry[]> => {
    const now = Date.now();
    const entries: StoreEntry[] = [];
    for (const read of await readHeads(context, keys)) {
      if (read.head?.kind !== 'record' || read.head.expiresAt <= now) continue;
      const record =
        (await recordOf(context, read.key, read.head)) ?? (await readRecord(context, read.key)).record;
      if (record !== undefined) entries.push({ key: read.key, record });
    }
    return entries;
  };

  return {
    name: 'deno-kv',
    reportsExpired: true,
    async get(k) {
      let hop = key(k);
      for (let seen = 0; seen < MAX_HOPS; seen++) {
        const { read, record } = await readRecord(context, hop);
        if (record !== undefined || read.head?.kind !== 'forward') return record;
        const now = Date.now();
        if (read.head.readableUntil <= now || read.head.forwardUntil <= now) return undefined;
        hop = read.head.successor;
      }
      return undefined;
    },
    create: (k, record: NewStoreRecord, limit?: UserLimit) => createSession(context, key(k), record, limit),
    update: (k, patch) => updateSession(context, key(k), patch),
    touch: (k, window) => touchSession(context, key(k), window),
    rotate: (oldKey, newKey, rotation) => rotateSession(context, key(oldKey), key(newKey), rotation),
    async delete(k) {
      return (await endChain(context, key(k))).removed > 0;
    },
    async close() {
      timer.stop();
    },
    async listByUser(userId) {
      return liveEntries(await userKeys(context, userId));
    },
    async deleteByUser(userId, exceptKey) {
      let live = 0;
      for (const k of await userKeys(context, userId)) {
        if (k !== exceptKey) live += (await endChain(context, k, exceptKey)).live;
      }
      return live;
    },
    purgeExpired,
    async count() {
      let n = 0;
      for await (const entry of kv.list<Head>({ prefix: context.keys.heads() })) {
        if (entry.value?.kind === 'record') n++;
      }
      return n;
    },
    async scan({ cursor, limit }) {
      const n = scanLimit(name, limit);
      const page = kv.list<Head>(
        { prefix: context.keys.heads() },
        cursor === undefined ? { limit: n } : { limit: n, cursor },
      );
      const entries: StoreEntry[] = [];
      let seen = 0;
      for await (const entry of page) {
        seen++;
        const k = String(entry.key.at(-1));
        if (entry.value?.kind !== 'record') continue; // forwarders are not records
        const record = (await recordOf(context, k, entry.value)) ?? (await readRecord(context, k)).record;
        if (record !== undefined) entries.push({ key: k, record });
      }
      return { entries, cursor: seen < n ? undefined : page.cursor };
    },
  };
}
