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
 *   stores with native TTL (Redis, memcached) may forget it, others keep it until a purge.
 * - Rotation, deletion and user limits keep the lifecycle rules listed on {@link Store}.
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

/** Changes to a record's data: keys set and keys removed. */
export interface StoreDataPatch {
  /** Keys to set (added or replaced), with their encoded values. */
  readonly set: EncodedData;
  /** Keys to remove. A key never appears in both `set` and `del`. Removing an absent key is a no-op. */
  readonly del: readonly string[];
}

/** A change to apply atomically to an existing record. */
export interface StorePatch extends StoreDataPatch {
  /** New owner; `undefined` leaves it unchanged, `null` makes the session anonymous. */
  readonly userId?: string | null | undefined;
  /** The record's new `lastSeenAt` (ms). */
  readonly lastSeenAt: number;
  /** The record's new `expiresAt` (ms); the store's native TTL, if any, follows it. */
  readonly expiresAt: number;
}

/** What {@link Store.touch} writes: only the sliding window, never data. */
export interface StoreTouch {
  /** The record's new `lastSeenAt` (ms). */
  readonly lastSeenAt: number;
  /** The record's new `expiresAt` (ms); the store's native TTL, if any, follows it. */
  readonly expiresAt: number;
}

/** One entry of {@link Store.listByUser}. */
export interface StoreEntry {
  /** The store key (hashed ticket, with the prefix), as `get` takes it. */
  readonly key: string;
  /** The record stored under `key`. */
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
 * The most live sessions one user may hold, enforced by the store in the same atomic step as the
 * `create` or `rotate` that adds a session for that user (so parallel logins cannot overshoot).
 */
export interface UserLimit {
  /** Most live sessions of the user, the one being added included: a positive integer. */
  readonly max: number;
  /**
   * At the limit: `'evictOldest'` ends the user's least recently seen live sessions (as `delete`
   * does) until the new one fits; `'reject'` writes nothing and answers `'limit'`.
   */
  readonly onLimit: 'evictOldest' | 'reject';
}

/** What {@link Store.create} answers. */
export type CreateOutcome =
  /** Inserted. */
  | true
  /** Nothing written: a live record (or a rotated-away key still forwarding) already has the key. */
  | false
  /** Nothing written: the user is at `limit.max` and `limit.onLimit` is `'reject'`. */
  | 'limit';

/**
 * What {@link Store.rotate} takes: the new record less its data, the request's changes to apply on
 * top of the data the store holds now, and what becomes of the old key.
 */
export interface StoreRotation {
  /**
   * The new record's fields other than data (core sets a fresh `createdAt` and absolute deadline
   * at login, keeps them otherwise). The store sets `rev` to 1.
   */
  readonly record: Omit<NewStoreRecord, 'data'>;
  /**
   * The rotating request's own changes, applied to the old record's data as the store holds it at
   * the moment of rotation, so writes other requests made meanwhile are carried over, not lost.
   */
  readonly patch: StoreDataPatch;
  /**
   * Until when (ms) `get(oldKey)` still answers with the new record (a grace window for requests
   * sent before the client saw its new ticket). At or before now: the old key reads as missing at once.
   */
  readonly readableUntil: number;
  /**
   * Whether `update(oldKey, …)` lands on the new record (`true` for a plain rotation, so a write
   * racing it is kept) or is refused (`false` after a login: the old ticket may be one an attacker
   * planted and must never write into the logged-in session).
   */
  readonly forwardWrites: boolean;
  /**
   * Until when (ms) the store remembers that `oldKey` moved to `newKey`: during this window
   * `delete(oldKey)` (and a `deleteByUser` that finds it) also ends the new record, and
   * `update(oldKey)` forwards as above. Afterwards the old key may be forgotten entirely.
   */
  readonly forwardUntil: number;
  /** Enforce this limit for `record.userId` (the old record does not count). */
  readonly limit?: UserLimit | undefined;
}

/** What {@link Store.rotate} answers. Only `'rotated'` changed anything. */
export type RotateOutcome =
  /** The new record holds the session; the old key forwards to it as the rotation asked. */
  | 'rotated'
  /** The old key held no live session (never existed, expired, deleted or revoked): the session is over. */
  | 'gone'
  /** The old key was already rotated by another request: that rotation won. */
  | 'superseded'
  /** The user is at the limit and `limit.onLimit` is `'reject'`. */
  | 'limit';

/**
 * A session store. Required methods make a correct store; optional ones add capabilities that
 * core detects once, through {@link storeCapabilities}.
 *
 * The lifecycle guarantees rest on four rules that every method keeps, atomically per call:
 * 1. A rotated-away key is never live again: `rotate` succeeds at most once per key, and only on a live record.
 * 2. Ending a session follows it: `delete` and `deleteByUser` end the record a key was rotated to (while
 *    the store remembers the move), so a logout or revocation racing a rotation leaves nothing live,
 *    whichever finishes first.
 * 3. Nothing is resurrected: only `create` and `rotate` insert, and `rotate` only from a live record.
 * 4. A user limit is checked and applied in the same atomic step as the insert it guards.
 * A store whose backend cannot make one call atomic across two keys (Redis Cluster, memcached) must
 * still give these outcomes, for example with a claim on the old key that `delete` can see.
 */
export interface Store {
  /** A short name used in error messages and events, e.g. `redis` or `sqlite`. */
  readonly name: string;

  /**
   * Whether `get` may answer with an expired record instead of `undefined` (backends that keep
   * dead rows until a purge). Core then reports the expiry (`expire` event) and deletes the record.
   * Backends whose native TTL forgets records (Redis, memcached) cannot tell "expired" from
   * "missing" and leave it unset. Default `false`.
   */
  readonly reportsExpired?: boolean;

  /**
   * The record at `key`, or `undefined` when there is none. An expired record is `undefined`, or,
   * when {@link reportsExpired} is true, may be returned as it is (core checks every deadline).
   * For a key rotated away with a grace window ({@link StoreRotation.readableUntil} not yet
   * passed), the record it was rotated to; after the window, `undefined`.
   */
  get(key: string): Promise<StoreRecord | undefined>;

  /**
   * Inserts a record only if no live record has this key, enforcing `limit` for `record.userId`
   * when given (a record with `userId: null` ignores it).
   * @returns `true` when inserted; `false` on a collision; `'limit'` when the limit refused it.
   */
  create(key: string, record: NewStoreRecord, limit?: UserLimit): Promise<CreateOutcome>;

  /**
   * Applies `patch` atomically to the live record at `key`: every key in `patch.set` is written and
   * every key in `patch.del` removed, keys not named are left as they are (so two concurrent patches
   * that touch different keys both survive), `rev` is incremented. When `key` was rotated away with
   * `forwardWrites`, the patch is applied to the record it was rotated to instead (same rules).
   * @returns `false`, changing nothing, when there is no live record to apply it to (missing,
   *   expired, deleted, or rotated away without `forwardWrites`): never a resurrection.
   */
  update(key: string, patch: StorePatch): Promise<boolean>;

  /**
   * Optional (capability `dataUpdate`): applies a data-only `patch` to the live record at `key`
   * without the caller having read it (a blind write, one round trip). The store checks, in the
   * same atomic step as the write, that a live record is there (`expiresAt > now`); its window
   * (`lastSeenAt`, `expiresAt`), owner and deadlines are left as they are, `rev` is incremented.
   * A rotated-away key behaves as for `update` (forwards with `forwardWrites`, refused otherwise).
   * @returns `false`, changing nothing, when there is no live record to apply it to (missing,
   *   expired, deleted, or rotated away without `forwardWrites`): never a resurrection and never
   *   a write into an expired record.
   */
  updateData?(key: string, patch: StoreDataPatch): Promise<boolean>;

  /**
   * Extends a live record's window without touching its data or `rev`. A rotated-away key is not live.
   * @returns `false`, changing nothing, when the record is missing or expired.
   */
  touch(key: string, window: StoreTouch): Promise<boolean>;

  /**
   * Moves the live session at `oldKey` to `newKey`, in one atomic step as seen by every other call:
   * the new record gets the old record's current data with `rotation.patch` applied; the old key
   * stops being live and forwards as `rotation` says. Concurrent rotations of one key: exactly one
   * answers `'rotated'`.
   */
  rotate(oldKey: string, newKey: string, rotation: StoreRotation): Promise<RotateOutcome>;

  /**
   * Ends the session at `key`: removes its record and, when `key` was rotated away and the store
   * still remembers it, the record it moved to (following the chain). Deleting a missing key is a no-op.
   * @returns `true` when a record was removed (so of two parallel deletes, one sees `true`).
   */
  delete(key: string): Promise<boolean>;

  /** Releases connections and timers the store created itself. A client passed in by the user is left open. */
  close(): Promise<void>;

  /** Live sessions of one user, in no particular order. Rotated-away keys are not listed. */
  listByUser?(userId: string): Promise<StoreEntry[]>;

  /**
   * Ends every session of one user, except `exceptKey` when given, as `delete` would (rotated-away
   * keys of the user end what they moved to).
   * @returns how many live records were removed.
   */
  deleteByUser?(userId: string, exceptKey?: string): Promise<number>;

  /**
   * Removes expired records, and rotated-away keys past their `forwardUntil` (a no-op returning 0
   * on stores whose backend expires records itself).
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
   * A cursor is opaque, valid only for the store that returned it. Rotated-away keys that only
   * forward to another record are not records and are not listed.
   * @throws ConfigError (`COATCHECK_CONFIG`) when `limit` is not a positive integer.
   */
  scan?(options: StoreScanOptions): Promise<StoreScanPage>;

  /**
   * Set by a caching tier (`coatcheck/stores/cache`): the stores it is made of, for health checks
   * and telemetry. Core never calls them for sessions; every session call goes to the tier itself.
   */
  readonly tiers?: StoreTiers;

  /**
   * Set by a store with its own in-process cache (Redis `cache`): how its reads went, with the
   * same meaning as {@link StoreTiers.lookups}, for telemetry (`coatcheck.cache.lookups`).
   */
  readonly cacheLookups?: () => { readonly hits: number; readonly misses: number };
}

/** The parts of a caching tier and how its reads went. */
export interface StoreTiers {
  /** The fast store read first. */
  readonly front: Store;
  /** The durable store, the source of truth. */
  readonly back: Store;
  /**
   * Reads since the tier was created: `hits` answered by the front, `misses` that went to the back
   * (front empty, stale, failing or bypassed). Monotonic counters, cheap to read at any time.
   */
  lookups(): { readonly hits: number; readonly misses: number };
}

/** The optional capabilities a store offers, detected once. */
export interface StoreCapabilities {
  /** `listByUser` and `deleteByUser`, and so `maxSessionsPerUser`, `listUser` and `revokeUser`. */
  readonly userIndex: boolean;
  /** `get` may return an expired record, so every expiry can be reported (`expire` event). */
  readonly reportsExpired: boolean;
  /** `purgeExpired`, for stores that keep dead records until swept (SQL, files). */
  readonly purge: boolean;
  /** `count`, for the CLI and health reports. */
  readonly count: boolean;
  /** `scan`, for the CLI's listing and inspection. */
  readonly scan: boolean;
  /** `updateData`, and so `session.set(key, value, { blind: true })` in one round trip. */
  readonly dataUpdate: boolean;
}

/** Detects which optional capabilities `store` implements. The one place that inspects a store's shape. */
export function storeCapabilities(store: Store): StoreCapabilities {
  return {
    userIndex: typeof store.listByUser === 'function' && typeof store.deleteByUser === 'function',
    reportsExpired: store.reportsExpired === true,
    purge: typeof store.purgeExpired === 'function',
    count: typeof store.count === 'function',
    scan: typeof store.scan === 'function',
    dataUpdate: typeof store.updateData === 'function',
  };
}
