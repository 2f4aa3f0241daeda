/**
 * `coatcheck/stores/memcached`: sessions in memcached through a `memcache-client` MemcacheClient
 * (electrode-io/memcache): a maintained client with a promise API and the `gets`/`cas` commands this
 * store needs for lock-free patches. The module imports no driver: pass a client you created.
 *
 * Each session is one item holding the whole record as JSON; a rotated-away key holds a forwarder
 * item instead. `add` creates (fails on a live item), `gets` + `cas` applies patches, touches,
 * rotations and deletes (retried on a concurrent change), so every change of one key serializes
 * with every other and a rotation can never lose a racing write or outlive a racing delete
 * (`memcached/rotation.ts`). memcached expires items itself, and may evict them early under
 * memory pressure. It cannot enumerate keys, so this store has no user index (`listByUser`,
 * `deleteByUser`), no user limit and no `count`: core answers `COATCHECK_UNSUPPORTED` when asked
 * to list or revoke a user's sessions. `reportsExpired` is unset: native TTL cannot tell an
 * expired session from a missing one.
 */
import { ConfigError, UnsupportedError } from '../core/errors.ts';
import type { NewStoreRecord, Store, StorePatch, StoreRecord, StoreTouch, UserLimit } from '../core/store.ts';
import { encodeRecord, memcachedExptime } from './memcached/item.ts';
import { Items, type MemcachedClientLike } from './memcached/items.ts';
import { rotateItem } from './memcached/rotation.ts';
import { patchedRecord } from './shared/apply-patch.ts';
import { backoff, MAX_HOPS, RetryBudget } from './shared/contention.ts';

export { memcachedExptime } from './memcached/item.ts';
export type { MemcachedClientLike } from './memcached/items.ts';

/** Options of {@link memcachedStore}. */
export interface MemcachedStoreOptions {
  /** A `memcache-client` MemcacheClient. Left open by `close()`. */
  readonly client: MemcachedClientLike;
  /** Prefix of every item key (no spaces or control characters). Default `coatcheck:`. */
  readonly prefix?: string;
  /**
   * Most gets/cas cycles under contention before `ConflictError`. Default: no count limit, only
   * `casTimeoutMs`, since N writers racing on one session need up to N cycles.
   */
  readonly casAttempts?: number;
  /** How long (ms) one call keeps retrying a contended CAS before `ConflictError`. Default 1 500 (below core's 2 s store timeout). */
  readonly casTimeoutMs?: number;
  /** Largest item the server accepts (memcached `-I`, default 1 MiB). Default 1 048 576. */
  readonly maxItemBytes?: number;
}

/** A memcached store: the required methods and a no-op `purgeExpired` (memcached expires items itself). */
export type MemcachedStore = Store & Required<Pick<Store, 'purgeExpired'>>;

/** No whitespace, no control characters (code points 0-32 and 127). */
function validKeyText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 32 || code === 127) return false;
  }
  return !/\s/u.test(text);
}

/** memcached keeps no user index, so it cannot count a user's sessions. */
function refuseLimit(userId: string | null, limit: UserLimit | undefined): void {
  if (limit !== undefined && userId !== null) {
    throw new UnsupportedError(
      'memcachedStore: a per-user session limit needs a user index, which memcached cannot keep; use Redis or SQL',
    );
  }
}

/**
 * Creates a memcached session store.
 *
 * Round trips: get 1 (`gets`; +1 per hop when reading through a rotated-away key in its grace
 * window), create 1 (`add`), update and touch 2 (`gets` + `cas`, more only under contention or
 * when following a rotated-away key), rotate 3 (`gets`, `add`, `cas`), delete 2 (`gets` + `cas`,
 * +2 per key the session was rotated to).
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) for a missing client or a prefix with spaces or control
 * characters. Operations throw CodecError (`COATCHECK_CODEC`) when a record exceeds the item size
 * limit, ConflictError (`COATCHECK_CONFLICT`) when concurrent changes keep beating one for
 * `casAttempts` cycles or `casTimeoutMs`, UnsupportedError (`COATCHECK_UNSUPPORTED`) for a user limit.
 * @example
 * import { MemcacheClient } from 'memcache-client';
 * const store = memcachedStore({ client: new MemcacheClient({ server: '127.0.0.1:11211', cmdTimeout: 2000 }) });
 */
export function memcachedStore(options: MemcachedStoreOptions): MemcachedStore {
  const { client } = options;
  if (!client || typeof client.gets !== 'function' || typeof client.cas !== 'function') {
    throw new ConfigError(
      'memcachedStore: `client` must be a memcache-client MemcacheClient (it needs gets and cas)',
    );
  }
  const prefix = options.prefix ?? 'coatcheck:';
  // Keys are at most 250 bytes and contain no whitespace or control characters (protocol.txt, "Keys").
  if (typeof prefix !== 'string' || !validKeyText(prefix) || Buffer.byteLength(prefix) > 150) {
    throw new ConfigError(
      'memcachedStore: `prefix` must be at most 150 bytes without spaces or control characters',
    );
  }
  const attempts = options.casAttempts ?? Number.POSITIVE_INFINITY;
  const casTimeoutMs = options.casTimeoutMs ?? 1500;
  if (options.casAttempts !== undefined && (!Number.isInteger(attempts) || attempts < 1))
    throw new ConfigError('memcachedStore: `casAttempts` must be an integer >= 1');
  if (!Number.isFinite(casTimeoutMs) || casTimeoutMs < 1)
    throw new ConfigError('memcachedStore: `casTimeoutMs` must be a positive number of ms');
  const items = new Items(client, prefix, options.maxItemBytes ?? 1_048_576);
  const budget = () => new RetryBudget(casTimeoutMs, attempts);

  /**
   * One gets/cas cycle on the live record, retried with jittered backoff while another writer
   * wins the race; `follow` lets a write through a forwarder that accepts writes.
   */
  const change = async (key: string, follow: boolean, next: (record: StoreRecord) => StoreRecord) => {
    const tries = budget();
    let target = key;
    for (let hops = 0; tries.next(); ) {
      const current = await items.read(target);
      if (current?.stored.kind === 'forward') {
        const { forward } = current.stored;
        if (!follow || !forward.forwardWrites || forward.forwardUntil <= Date.now() || ++hops > MAX_HOPS)
          return false;
        target = forward.successor;
        continue;
      }
      if (current === undefined || current.stored.record.expiresAt <= Date.now()) return false;
      const record = next(current.stored.record);
      const value = items.sized(encodeRecord(record));
      const swapped = await items.swap(target, value, current.cas, memcachedExptime(record.expiresAt));
      if (swapped === 'stored') return true;
      if (swapped === 'missing') return false;
      await backoff(tries.attempt);
    }
    throw tries.exhausted('memcachedStore: update');
  };

  return {
    name: 'memcached',

    async get(key) {
      let hop = key;
      for (let seen = 0; seen < MAX_HOPS; seen++) {
        const stored = (await items.read(hop))?.stored;
        if (stored === undefined) return undefined;
        if (stored.kind === 'record') return stored.record.expiresAt > Date.now() ? stored.record : undefined;
        if (stored.forward.readableUntil <= Date.now()) return undefined;
        hop = stored.forward.successor;
      }
      return undefined;
    },

    async create(key, fresh: NewStoreRecord, limit?: UserLimit) {
      refuseLimit(fresh.userId, limit);
      const record: StoreRecord = { ...fresh, rev: 1 };
      const value = items.sized(encodeRecord(record));
      const lifetime = memcachedExptime(record.expiresAt);
      const tries = budget();
      while (tries.next()) {
        if (await items.add(key, value, lifetime)) return true;
        // An item is there: a forwarder always blocks; a record only while it is live by our clock.
        const existing = await items.read(key);
        if (existing === undefined) continue; // it expired or was deleted meanwhile: add again
        const { stored } = existing;
        if (
          stored.kind === 'forward'
            ? stored.forward.forwardUntil > Date.now()
            : stored.record.expiresAt > Date.now()
        )
          return false;
        if ((await items.swap(key, value, existing.cas, lifetime)) === 'stored') return true;
      }
      throw tries.exhausted('memcachedStore: create');
    },

    update(key, patch: StorePatch) {
      return change(key, true, (record) => patchedRecord(record, patch));
    },

    touch(key, window: StoreTouch) {
      return change(key, false, (record) => ({
        ...record,
        lastSeenAt: window.lastSeenAt,
        expiresAt: window.expiresAt,
      }));
    },

    async rotate(oldKey, newKey, rotation) {
      refuseLimit(rotation.record.userId, rotation.limit);
      return rotateItem(items, oldKey, newKey, rotation, casTimeoutMs);
    },

    async delete(key) {
      // Through cas, never a blind delete: a rotation's cas must see it, and what was removed
      // must be exactly what was read (a forwarder's successor is ended next).
      let hop = key;
      const tries = budget();
      for (let seen = 0; seen < MAX_HOPS; ) {
        if (!tries.next()) throw tries.exhausted('memcachedStore: delete');
        const current = await items.read(hop);
        if (current === undefined) break;
        const outcome = await items.remove(hop, current.cas);
        if (outcome === 'changed') continue;
        if (outcome === 'missing') break; // another delete took it, and follows it
        if (current.stored.kind === 'record') return true;
        hop = current.stored.forward.successor;
        seen++;
      }
      return false;
    },

    async close() {
      // The client belongs to the caller.
    },

    async purgeExpired() {
      return 0;
    },
  };
}
