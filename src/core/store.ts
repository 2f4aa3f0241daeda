/**
 * The Store contract: the only thing a backend must implement.
 *
 * A store is a dumb, durable map from store key to {@link StoreRecord}. Core owns every security
 * decision around it: stores only ever see hashed keys (never a token), values already encoded
 * (and, when configured, encrypted) by core's codec, and absolute expiry instants computed by core.
 *
 * Rules every method follows (the conformance suite in `coatcheck/testing` checks each one):
 * - A missing or expired record is `undefined` / `false` / a no-op, never an error.
 * - Errors are for system failures only (connection lost, disk full). Core wraps every call in a
 *   timeout and turns any rejection into `StoreUnavailableError`.
 * - A method either happens completely or not at all: nothing is ever half-written.
 * - `update` and `touch` never create a record: a late request cannot resurrect a deleted session.
 * - Times are milliseconds since the Unix epoch. A record whose `expiresAt <= Date.now()` is dead;
 *   stores with native TTL (Redis, memcached) may forget it, others hide it on read and purge later.
 */

/** Encoded session values keyed by session key. Core owns the encoding; stores treat values as opaque. */
export type EncodedData = Readonly<Record<string, string>>;

/** A session as the store keeps it. */
export interface StoreRecord {
  /**
   * One opaque encoded string per session key. Keys that begin with `$` belong to core
   * (metadata such as the remember-me flag, auth time, flash, CSRF secret); stores treat them like any other.
   */
  readonly data: EncodedData;
  /** The user the session belongs to, for the per-user index; `null` for anonymous sessions. */
  readonly userId: string | null;
  /** When the session was created (ms). Never changes. */
  readonly createdAt: number;
  /** When the session was last seen (ms), as written by the last create/update/touch. */
  readonly lastSeenAt: number;
  /** When the store may forget the record (ms): core computes min(idle deadline, absolute deadline). */
  readonly expiresAt: number;
  /** The absolute deadline (ms) fixed at creation. Never changes. */
  readonly absoluteExpiresAt: number;
  /** Revision: 1 on create, incremented by every successful `update` (not by `touch`). */
  readonly rev: number;
}

/** A new record as handed to {@link Store.create}; the store sets `rev` to 1. */
export type NewStoreRecord = Omit<StoreRecord, 'rev'>;

/** A change to apply atomically to an existing record. */
export interface StorePatch {
  /** Keys to set (added or replaced), with their encoded values. */
  readonly set: EncodedData;
  /** Keys to remove. A key never appears in both `set` and `del`. Removing an absent key is a no-op. */
  readonly del: readonly string[];
  /** New owner; `undefined` leaves it unchanged, `null` makes the session anonymous. */
  readonly userId?: string | null | undefined;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
}

/** What {@link Store.touch} writes: only the sliding window, never data. */
export interface StoreTouch {
  readonly lastSeenAt: number;
  readonly expiresAt: number;
}

/** One entry of {@link Store.listByUser}. */
export interface StoreEntry {
  readonly key: string;
  readonly record: StoreRecord;
}

/** What {@link Store.scan} takes: where to resume and how many entries one page may hold at most. */
export interface StoreScanOptions {
  /** The cursor a previous page returned; `undefined` starts a new scan. */
  readonly cursor?: string | undefined;
  /** Most entries in the page: a positive integer. */
  readonly limit: number;
}

/** One page of {@link Store.scan}. */
export interface StoreScanPage {
  /** At most `limit` entries; possibly fewer, even none, while the scan is not done. */
  readonly entries: StoreEntry[];
  /** Pass it back to get the next page; `undefined` when the scan is done. */
  readonly cursor: string | undefined;
}

/**
 * A session store. Required methods make a correct store; optional ones add capabilities that
 * core detects once, through {@link storeCapabilities}.
 */
export interface Store {
  /** A short name used in error messages and events, e.g. `redis` or `sqlite`. */
  readonly name: string;

  /** The record at `key`, or `undefined` when it is missing or expired. */
  get(key: string): Promise<StoreRecord | undefined>;

  /**
   * Inserts a record only if no live record has this key.
   * @returns `true` when inserted, `false` on a collision (a live record already has the key).
   */
  create(key: string, record: NewStoreRecord): Promise<boolean>;

  /**
   * Applies `patch` atomically to the live record at `key`: every key in `patch.set` is written and
   * every key in `patch.del` removed, keys not named are left as they are (so two concurrent patches
   * that touch different keys both survive), `rev` is incremented.
   * @returns `false`, changing nothing, when the record is missing or expired (no resurrection).
   */
  update(key: string, patch: StorePatch): Promise<boolean>;

  /**
   * Extends a live record's window without touching its data or `rev`.
   * @returns `false`, changing nothing, when the record is missing or expired.
   */
  touch(key: string, window: StoreTouch): Promise<boolean>;

  /** Removes the record. Deleting a missing key is a no-op. */
  delete(key: string): Promise<void>;

  /** Releases connections and timers the store created itself. A client passed in by the user is left open. */
  close(): Promise<void>;

  /** Live sessions of one user, in no particular order. */
  listByUser?(userId: string): Promise<StoreEntry[]>;

  /**
   * Removes every session of one user, except `exceptKey` when given.
   * @returns how many records were removed.
   */
  deleteByUser?(userId: string, exceptKey?: string): Promise<number>;

  /**
   * Removes expired records (a no-op returning 0 on stores whose backend expires records itself).
   * @returns how many records were removed.
   */
  purgeExpired?(): Promise<number>;

  /** How many records the store holds, live and (if not yet purged) expired. */
  count?(): Promise<number>;

  /**
   * Pages through every record the store holds, live and expired-but-not-yet-purged (so callers
   * can count expired ones), in no particular order. Start with no cursor and pass each page's
   * `cursor` back until it is `undefined`. A page may hold fewer than `limit` entries (even none)
   * before the end, as Redis SCAN does, but the scan always terminates. Every record that exists
   * for the whole scan appears exactly once (Redis: at least once, as SCAN may repeat a key while
   * the server shrinks its keyspace); records created or deleted during it may or may not.
   * A cursor is opaque, valid only for the store that returned it.
   * @throws ConfigError (`COATCHECK_CONFIG`) when `limit` is not a positive integer.
   */
  scan?(options: StoreScanOptions): Promise<StoreScanPage>;
}

/** The optional capabilities a store offers, detected once. */
export interface StoreCapabilities {
  readonly userIndex: boolean;
  readonly purge: boolean;
  readonly count: boolean;
  readonly scan: boolean;
}

/** Detects which optional capabilities `store` implements. The one place that inspects a store's shape. */
export function storeCapabilities(store: Store): StoreCapabilities {
  return {
    userIndex: typeof store.listByUser === 'function' && typeof store.deleteByUser === 'function',
    purge: typeof store.purgeExpired === 'function',
    count: typeof store.count === 'function',
    scan: typeof store.scan === 'function',
  };
}
