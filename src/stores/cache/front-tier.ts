/**
 * The caching tier's front side: what a read may take from the front store or put into it, and
 * how an invalidation reaches it, here and (over pub/sub) in every other process.
 */
import type { Store, StoreRecord } from '../../core/store.ts';
import { fromFrontEntry, toFrontEntry } from './front-entry.ts';
import {
  type CacheInvalidationOptions,
  checkInvalidationClients,
  type Invalidation,
  type InvalidationChannel,
  joinInvalidation,
} from './invalidation.ts';
import { type Move, Moves } from './moves.ts';

/** What {@link FrontTier} needs besides the front store. */
export interface FrontTierOptions {
  readonly cacheTtlMs: number;
  readonly now: () => number;
  readonly onError: (error: unknown) => void;
  readonly invalidation?: CacheInvalidationOptions | undefined;
}

/** The front store, with the rules that keep it from serving what the back store no longer holds. */
export class FrontTier {
  readonly #front: Store;
  readonly #cacheTtlMs: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  /** Fills in flight, by key; dropping the token tells the fill its record may be stale. */
  readonly #fills = new Map<string, symbol>();
  /** Rotations known here: a moved key is never cached, and ending it drops its successors. */
  readonly moves: Moves;
  /**
   * Until when the front may hold an entry that missed its invalidation: a front that failed a
   * delete (e.g. Redis unreachable) can come back with the old entry, which would serve a write's
   * old state or revive a destroyed session. Every entry filled before the failure is gone
   * `cacheTtlMs` after it, so the front is bypassed until then.
   */
  #suspectUntil = Number.NEGATIVE_INFINITY;
  #channel: InvalidationChannel | undefined;
  /** Settles once the subscription is in place (at once without pub/sub). */
  readonly joined: Promise<void>;

  constructor(front: Store, options: FrontTierOptions) {
    this.#front = front;
    this.#cacheTtlMs = options.cacheTtlMs;
    this.#now = options.now;
    this.#onError = options.onError;
    this.moves = new Moves(options.now);
    if (options.invalidation === undefined) {
      this.joined = Promise.resolve();
      return;
    }
    checkInvalidationClients(options.invalidation);
    // Reads wait for the subscription, so nothing is cached before invalidations can arrive. If
    // subscribing fails, the cache still works and cacheTtlMs alone bounds staleness.
    const received = (invalidation: Invalidation) => void this.#forget(invalidation);
    this.joined = joinInvalidation(options.invalidation, received, this.#onError).then((channel) => {
      this.#channel = channel;
    }, this.#onError);
  }

  /**
   * `key`'s record: from the front when it holds a fresh entry, else from `readBack`, filling the
   * front unless a write raced the read, the key moved away, or the front is suspect.
   */
  async read(
    key: string,
    readBack: () => Promise<StoreRecord | undefined>,
  ): Promise<StoreRecord | undefined> {
    await this.joined;
    if (this.#now() < this.#suspectUntil || this.moves.has(key)) return readBack();
    const cached = await this.#front.get(key).catch((error: unknown) => {
      this.#onError(error);
      return undefined;
    });
    if (cached !== undefined) {
      // The entry's own expiry is the cache TTL; a front that reports expired entries hands them back.
      const record = cached.expiresAt > this.#now() ? fromFrontEntry(cached) : undefined;
      if (record !== undefined && record.expiresAt > this.#now()) return record;
      await this.#front.delete(key).catch(this.#onError);
    }
    const token = Symbol(key);
    this.#fills.set(key, token);
    let record: StoreRecord | undefined;
    try {
      record = await readBack();
    } catch (error) {
      if (this.#fills.get(key) === token) this.#fills.delete(key);
      throw error;
    }
    if (this.#fills.get(key) !== token) return record; // a write raced this read: do not cache it
    this.#fills.delete(key);
    if (record !== undefined && record.expiresAt > this.#now()) {
      await this.#front
        .create(key, toFrontEntry(record, this.#now() + this.#cacheTtlMs))
        .catch(this.#onError);
    }
    return record;
  }

  /**
   * After a write to the back store: remember `moves`, drop `keys` (and what they are known to
   * have moved to) here, then tell the other processes.
   */
  async invalidate(keys: readonly string[], moves: readonly Move[] = []): Promise<void> {
    const dropped = await this.#forget({ keys, moves });
    await this.#channel?.publish({ keys: dropped, moves });
  }

  /** Unsubscribes (the clients stay open: they belong to the caller). */
  async close(): Promise<void> {
    await this.joined;
    await this.#channel?.close();
    this.#channel = undefined;
  }

  /** Applies an invalidation in this process; the keys it dropped. */
  async #forget({ keys, moves }: Invalidation): Promise<string[]> {
    // Moves first, synchronously: a read starting from here on neither serves nor caches them.
    for (const move of moves) this.moves.add(move);
    const dropped = [...new Set(keys.flatMap((key) => this.moves.chain(key)))];
    for (const key of dropped) this.#fills.delete(key);
    await Promise.all(dropped.map((key) => this.#front.delete(key).catch(this.#distrust)));
    return dropped;
  }

  readonly #distrust = (error: unknown): void => {
    this.#suspectUntil = this.#now() + this.#cacheTtlMs;
    this.#onError(error);
  };
}
