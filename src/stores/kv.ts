/**
 * `coatcheck/stores/kv`: sessions in Cloudflare Workers KV, for read-heavy apps that accept KV's
 * weaker guarantees. Prefer `coatcheck/stores/d1` (or a Durable Object) where logout, revocation
 * and rotation must be exact: docs/stores/kv.md says precisely what holds.
 *
 * Workers KV is eventually consistent (a write may take 60 s or more to be seen in other
 * locations) and has no compare-and-set, so:
 * - within one isolate, calls on a key are serialized (kv/key-locks.ts), which makes patches,
 *   rotations and deletes from that isolate exact, and the conformance suite pass;
 * - across isolates and locations nothing is atomic: a logout may not be seen elsewhere for up to
 *   a minute, two rotations of one session may both succeed (two live tickets), two concurrent
 *   patches may lose one's keys;
 * - no user index is offered (KV cannot count a user's sessions atomically, and a revocation could
 *   not be relied on), so core refuses `maxSessionsPerUser`, `listUser` and `revokeUser`.
 * Nothing is imported from Cloudflare: the binding is typed structurally (kv/binding.ts).
 */
import { ConflictError, UnsupportedError } from '../core/errors.ts';
import type { Store, StoreRecord, UserLimit } from '../core/store.ts';
import { checkKvNamespace, type KvNamespace } from './kv/binding.ts';
import { holdsKey, type KvItem, readItem, recordOf, writeForward, writeRecord } from './kv/items.ts';
import { KeyLocks } from './kv/key-locks.ts';
import { applyPatch, patchedRecord } from './shared/apply-patch.ts';
import { MAX_HOPS } from './shared/contention.ts';
import { checkStoreKey } from './shared/store-key.ts';

export type { KvNamespace, KvPutOptions } from './kv/binding.ts';

/** Options of {@link kvStore}. */
export interface KvStoreOptions {
  /** The KV namespace binding, e.g. `env.SESSIONS` (declared under `[[kv_namespaces]]`). Required. */
  readonly namespace: KvNamespace;
  /** Prepended to every key the store writes, so sessions can share a namespace. Default `'coatcheck:'`. */
  readonly prefix?: string;
}

/** The KV store: the required methods only (no user index, purge, count or scan). */
export type KvStore = Store;

function refuseLimit(userId: string | null, limit: UserLimit | undefined): void {
  if (limit !== undefined && userId !== null) {
    throw new UnsupportedError(
      'kvStore: a per-user session limit needs an atomic user index, which Workers KV cannot keep; use d1Store',
    );
  }
}

/**
 * Creates a session store on a Workers KV namespace.
 *
 * Holds: values round-trip exactly; expiry is exact (checked on every read, KV forgets the key
 * later); within one isolate, rotation has one winner, writes racing it are forwarded, a delete
 * ends what a key was rotated to, nothing is resurrected. Does not hold across isolates or
 * locations (see the module comment and docs/stores/kv.md): use `d1Store` for that.
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) when `namespace` is not a KV binding (the message says
 * what was passed instead and which store fits it); per call, for a key that is not a store key.
 * UnsupportedError (`COATCHECK_UNSUPPORTED`) when a user limit is asked of `create` or `rotate`.
 * ConflictError (`COATCHECK_CONFLICT`) when a rotation's new key already holds a session.
 * @example
 * export default {
 *   async fetch(request, env) {
 *     const sessions = createSessions({ store: kvStore({ namespace: env.SESSIONS }) });
 *     // …
 *   },
 * };
 */
export function kvStore(options: KvStoreOptions): KvStore {
  const name = 'kvStore';
  const kv = checkKvNamespace(name, (options as { namespace?: unknown } | undefined)?.namespace);
  const prefix = options.prefix ?? 'coatcheck:';
  const locks = new KeyLocks();
  const at = (key: string) => prefix + checkStoreKey(name, key);
  const read = (key: string): Promise<KvItem | undefined> => readItem(kv, at(key));
  const liveRecord = (item: KvItem | undefined, now: number): StoreRecord | undefined =>
    item?.kind === 'record' && item.expiresAt > now ? recordOf(item) : undefined;

  /** Ends `key` and what it was rotated to; true when a live or expired record was removed. */
  const end = (key: string, hops = 0): Promise<boolean> =>
    locks.run(key, async () => {
      const item = await read(key);
      if (item === undefined) return false;
      // What a forwarder leads to goes first: a failure half-way leaves the forwarder to retry from.
      const followed =
        item.kind === 'forward' && hops < MAX_HOPS ? await end(item.successor, hops + 1) : false;
      await kv.delete(at(key));
      return item.kind === 'record' || followed;
    });

  return {
    name: 'kv',
    async get(key) {
      let hop = key;
      for (let seen = 0; seen < MAX_HOPS; seen++) {
        const item = await read(hop);
        const now = Date.now();
        if (item?.kind !== 'forward') return liveRecord(item, now);
        if (item.readableUntil <= now || item.forwardUntil <= now) return undefined;
        hop = item.successor;
      }
      return undefined;
    },
    async create(key, record, limit) {
      refuseLimit(record.userId, limit);
      return locks.run(key, async () => {
        if (holdsKey(await read(key), Date.now())) return false;
        await writeRecord(kv, at(key), { ...record, rev: 1 });
        return true;
      });
    },
    async update(key, patch) {
      let hop = key;
      for (let seen = 0; seen < MAX_HOPS; seen++) {
        // A forwarder never turns back into a record, so following it needs no lock held.
        const next = await locks.run(hop, async () => {
          const item = await read(hop);
          const now = Date.now();
          if (item?.kind === 'forward')
            return item.forwardWrites && item.forwardUntil > now ? item.successor : false;
          const record = liveRecord(item, now);
          if (record === undefined) return false;
          await writeRecord(kv, at(hop), patchedRecord(record, patch));
          return true;
        });
        if (typeof next === 'boolean') return next;
        hop = next;
      }
      return false;
    },
    async touch(key, window) {
      return locks.run(key, async () => {
        const record = liveRecord(await read(key), Date.now());
        if (record === undefined) return false;
        await writeRecord(kv, at(key), { ...record, ...window });
        return true;
      });
    },
    async rotate(oldKey, newKey, rotation) {
      refuseLimit(rotation.record.userId, rotation.limit);
      return locks.run(oldKey, () =>
        locks.run(newKey, async () => {
          const item = await read(oldKey);
          const now = Date.now();
          if (item?.kind === 'forward') return item.forwardUntil > now ? 'superseded' : 'gone';
          const record = liveRecord(item, now);
          if (record === undefined) return 'gone';
          if (holdsKey(await read(newKey), now)) {
            throw new ConflictError(
              'kvStore: the key a session was rotated to already holds a live session.',
            );
          }
          const { readableUntil, forwardWrites, forwardUntil } = rotation;
          // The forwarder first: a failure between the two writes loses the session rather than
          // leaving two live tickets of it.
          await writeForward(kv, at(oldKey), {
            kind: 'forward',
            successor: newKey,
            readableUntil,
            forwardWrites,
            forwardUntil,
          });
          const data = applyPatch(record.data, rotation.patch);
          await writeRecord(kv, at(newKey), { ...rotation.record, data, rev: 1 });
          return 'rotated';
        }),
      );
    },
    delete: (key) => end(key),
    async close() {},
  };
}
