/**
 * `coatcheck/stores/memcached`: sessions in memcached through a `memcache-client` MemcacheClient
 * (electrode-io/memcache): a maintained client with a promise API and the `gets`/`cas` commands this
 * store needs for lock-free patches. The module imports no driver: pass a client you created.
 *
 * Each session is one item holding the whole record as JSON. `add` creates (fails on a live item),
 * `gets` + `cas` applies patches and touches (retried on a concurrent change), memcached expires
 * items itself. memcached cannot enumerate keys, so this store has no user index (`listByUser`,
 * `deleteByUser`) and no `count`: core answers `COATCHECK_UNSUPPORTED` when asked to list or
 * revoke a user's sessions.
 */
import { CodecError, ConfigError, ConflictError } from '../core/errors.ts';
import type { NewStoreRecord, Store, StorePatch, StoreRecord, StoreTouch } from '../core/store.ts';

/** The part of a `memcache-client` MemcacheClient the store uses. */
export interface MemcachedClientLike {
  add(key: string, value: string, options: { lifetime: number }): Promise<unknown>;
  gets(key: string): Promise<unknown>;
  cas(key: string, value: string, options: { casUniq: string | number; lifetime: number }): Promise<unknown>;
  delete(key: string): Promise<unknown>;
}

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
  /** How long (ms) one update keeps retrying a contended CAS before `ConflictError`. Default 1 500 (below core's 2 s store timeout). */
  readonly casTimeoutMs?: number;
  /** Largest item the server accepts (memcached `-I`, default 1 MiB). Default 1 048 576. */
  readonly maxItemBytes?: number;
}

/** A memcached store: the required methods and a no-op `purgeExpired` (memcached expires items itself). */
export type MemcachedStore = Store & Required<Pick<Store, 'purgeExpired'>>;

/** memcached reads an exptime above 30 days as an absolute Unix time (protocol.txt, "Expiration times"). */
const RELATIVE_LIMIT_S = 2_592_000;
/** Item header, key and CAS overhead kept free below `maxItemBytes`. */
const ITEM_OVERHEAD = 512;

/**
 * memcached's exptime for a record expiring at `expiresAt` (ms): seconds from now rounded up, one
 * second more because memcached's clock ticks once a second and may lag (the record itself carries
 * the exact deadline, checked on every read), an absolute Unix time beyond 30 days, and -1
 * (already expired) for a past deadline: 0 would mean "never".
 */
export function memcachedExptime(expiresAt: number, now = Date.now()): number {
  if (expiresAt <= now) return -1;
  const seconds = Math.ceil((expiresAt - now) / 1000) + 1;
  return seconds > RELATIVE_LIMIT_S ? Math.ceil(expiresAt / 1000) + 1 : seconds;
}

/** The record as stored: compact field names, `v` versions the layout. */
interface Item {
  v: 1;
  d: Record<string, string>;
  u: string | null;
  c: number;
  l: number;
  e: number;
  a: number;
  r: number;
}

function toItem(record: StoreRecord): Item {
  const { data, userId: u, createdAt: c, lastSeenAt: l, expiresAt: e, absoluteExpiresAt: a, rev: r } = record;
  return { v: 1, d: { ...data }, u, c, l, e, a, r };
}

function fromItem(value: unknown): StoreRecord | undefined {
  if (typeof value !== 'string') return undefined;
  const item = JSON.parse(value) as Partial<Item>;
  if (item.v !== 1 || typeof item.d !== 'object' || item.d === null) return undefined;
  const data: Record<string, string> = Object.create(null);
  for (const [name, text] of Object.entries(item.d)) data[name] = text;
  return {
    data,
    userId: item.u ?? null,
    createdAt: Number(item.c),
    lastSeenAt: Number(item.l),
    expiresAt: Number(item.e),
    absoluteExpiresAt: Number(item.a),
    rev: Number(item.r),
  };
}

/** `memcache-client` rejects with the server's reply line as the message. */
function reply(error: unknown): string {
  return error instanceof Error ? error.message : '';
}

/** No whitespace, no control characters (code points 0-32 and 127). */
function validKeyText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 32 || code === 127) return false;
  }
  return !/\s/u.test(text);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Creates a memcached session store.
 *
 * Round trips: get 1 (`gets`), create 1 (`add`), update and touch 2 (`gets` + `cas`, more only
 * under contention), delete 1.
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) for a missing client or a prefix with spaces or control
 * characters; CodecError (`COATCHECK_CODEC`) when a record exceeds the item size limit;
 * ConflictError (`COATCHECK_CONFLICT`) when `casAttempts` concurrent changes in a row beat an update.
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
  const maxItemBytes = options.maxItemBytes ?? 1_048_576;
  if (options.casAttempts !== undefined && (!Number.isInteger(attempts) || attempts < 1))
    throw new ConfigError('memcachedStore: `casAttempts` must be an integer >= 1');
  if (!Number.isFinite(casTimeoutMs) || casTimeoutMs < 1)
    throw new ConfigError('memcachedStore: `casTimeoutMs` must be a positive number of ms');
  const itemKey = (key: string) => `${prefix}${key}`;

  const encode = (record: StoreRecord): string => {
    const text = JSON.stringify(toItem(record));
    if (Buffer.byteLength(text) > maxItemBytes - ITEM_OVERHEAD) {
      throw new CodecError(
        `memcachedStore: the session is ${Buffer.byteLength(text)} bytes, over memcached's item limit (maxItemBytes ${maxItemBytes}); store less in the session or raise memcached -I and maxItemBytes`,
      );
    }
    return text;
  };
  const tooLarge = (error: unknown) => /too large/i.test(reply(error));
  const rethrow = (error: unknown): never => {
    if (tooLarge(error))
      throw new CodecError(`memcachedStore: the server refused the item as too large (${reply(error)})`);
    throw error;
  };

  /** The live record with its CAS token, or undefined. */
  const load = async (key: string): Promise<{ record: StoreRecord; cas: string | number } | undefined> => {
    const result = (await client.gets(itemKey(key))) as
      | { value?: unknown; casUniq?: string | number }
      | undefined;
    const record = result ? fromItem(result.value) : undefined;
    if (!record || result?.casUniq === undefined || record.expiresAt <= Date.now()) return undefined;
    return { record, cas: result.casUniq };
  };

  /** One gets/cas cycle, retried with jittered backoff while another writer wins the race. */
  const change = async (key: string, next: (record: StoreRecord) => StoreRecord): Promise<boolean> => {
    const deadline = Date.now() + casTimeoutMs;
    for (let attempt = 0; attempt < attempts && (attempt === 0 || Date.now() < deadline); attempt++) {
      const current = await load(key);
      if (!current) return false;
      const record = next(current.record);
      const value = encode(record);
      try {
        await client.cas(itemKey(key), value, {
          casUniq: current.cas,
          lifetime: memcachedExptime(record.expiresAt),
        });
        return true;
      } catch (error) {
        if (reply(error) === 'NOT_FOUND') return false;
        if (reply(error) !== 'EXISTS') rethrow(error);
      }
      await sleep(Math.random() * Math.min(20, 2 ** attempt));
    }
    throw new ConflictError(
      `memcachedStore: concurrent changes kept beating this update for ${casTimeoutMs} ms; try again`,
    );
  };

  return {
    name: 'memcached',

    async get(key) {
      return (await load(key))?.record;
    },

    async create(key, fresh: NewStoreRecord) {
      const record: StoreRecord = { ...fresh, rev: 1 };
      const value = encode(record);
      const lifetime = memcachedExptime(record.expiresAt);
      const deadline = Date.now() + casTimeoutMs;
      for (let attempt = 0; attempt < attempts && (attempt === 0 || Date.now() < deadline); attempt++) {
        try {
          await client.add(itemKey(key), value, { lifetime });
          return true;
        } catch (error) {
          if (reply(error) !== 'NOT_STORED') rethrow(error);
        }
        // An item is there: it blocks the create only while it is live by our clock.
        const raw = (await client.gets(itemKey(key))) as
          | { value?: unknown; casUniq?: string | number }
          | undefined;
        if (!raw || raw.casUniq === undefined) continue; // it expired or was deleted meanwhile: add again
        const existing = fromItem(raw.value);
        if (existing && existing.expiresAt > Date.now()) return false;
        try {
          await client.cas(itemKey(key), value, { casUniq: raw.casUniq, lifetime });
          return true;
        } catch (error) {
          if (reply(error) !== 'EXISTS' && reply(error) !== 'NOT_FOUND') rethrow(error);
        }
      }
      throw new ConflictError(
        `memcachedStore: ${attempts} concurrent changes in a row beat this create; try again`,
      );
    },

    update(key, patch: StorePatch) {
      return change(key, (record) => {
        const data: Record<string, string> = { ...record.data, ...patch.set };
        for (const name of patch.del) delete data[name];
        return {
          ...record,
          data,
          userId: patch.userId === undefined ? record.userId : patch.userId,
          lastSeenAt: patch.lastSeenAt,
          expiresAt: patch.expiresAt,
          rev: record.rev + 1,
        };
      });
    },

    touch(key, window: StoreTouch) {
      return change(key, (record) => ({
        ...record,
        lastSeenAt: window.lastSeenAt,
        expiresAt: window.expiresAt,
      }));
    },

    async delete(key) {
      try {
        await client.delete(itemKey(key));
      } catch (error) {
        if (reply(error) !== 'NOT_FOUND') throw error;
      }
    },

    async close() {
      // The client belongs to the caller.
    },

    async purgeExpired() {
      return 0;
    },
  };
}
