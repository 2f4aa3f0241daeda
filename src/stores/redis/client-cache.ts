/**
 * Client-side caching for the Redis store: a bounded copy of records this process read
 * (`record-copy.ts`), kept exact by Redis itself, which reports every write to a session key on a
 * tracking connection (`tracking-connection.ts`, `tracking-link.ts`).
 *
 * The hit path yields to the event loop once (`setImmediate`) before it answers. Why: a logout
 * answered by another process was reported to this process's tracking socket before Redis even
 * sent that logout's reply (Redis queues invalidations ahead of replies in one event-loop pass),
 * so by the time a later request reaches this process the report is in its socket buffer. But the
 * request and the report may be handed to Node in the same poll phase, the request first; the
 * check phase (`setImmediate`) runs only after every callback of that poll phase, so the report
 * has been read and applied by then. Measured in docs/stores/redis.md ("Client-side caching").
 */
import { ConfigError } from '../../core/errors.ts';
import type { StoreRecord } from '../../core/store.ts';
import { RecordCopy } from './record-copy.ts';
import type { InvalidatedKeys, OpenTracking } from './tracking-connection.ts';
import { TrackingLink } from './tracking-link.ts';

/** Options of the Redis store's client-side cache (`redisStore({ cache })`). */
export interface RedisCacheOptions {
  /** Most records kept. Default 10 000. */
  readonly maxEntries?: number;
  /** About how many bytes of records are kept (estimated from string lengths). Default 64 MiB. */
  readonly maxBytes?: number;
  /** Receives tracking-connection failures; reads go to Redis meanwhile. Default: ignored. */
  readonly onError?: (error: unknown) => void;
}

/** How the client-side cache is doing (`store.cacheStats()`). Counters are monotonic. */
export interface RedisCacheStats {
  /** Reads answered from the copy, with no round trip. */
  readonly hits: number;
  /** Reads that went to Redis. */
  readonly misses: number;
  /** Keys Redis reported changed, plus keys this process's own writes dropped. */
  readonly invalidations: number;
  /** Records dropped to stay within `maxEntries` / `maxBytes`. */
  readonly evictions: number;
  /** Records held now. */
  readonly entries: number;
  /** Estimated bytes held. */
  readonly bytes: number;
  /** Whether invalidations are being received (when not, every read goes to Redis). */
  readonly tracking: boolean;
  /** How many times the tracking connection was lost. */
  readonly trackingLosses: number;
}

/** What a read from Redis found, and whether it may be copied (not read through a forwarder). */
export interface LoadedRecord {
  readonly record: StoreRecord | undefined;
  readonly copyable: boolean;
}

const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`redisStore: cache.${name} must be a positive integer, got ${String(value)}.`);
  }
  return value;
}

function yieldToSockets(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class ClientCache {
  readonly #copy: RecordCopy;
  readonly #link: TrackingLink;
  readonly #keyPrefix: string;
  #hits = 0;
  #misses = 0;

  /** `keyPrefix` is what Redis keys of sessions begin with (`<prefix>s:`). */
  constructor(options: RedisCacheOptions, keyPrefix: string, open: OpenTracking) {
    this.#copy = new RecordCopy({
      maxEntries: positive('maxEntries', options.maxEntries, DEFAULT_MAX_ENTRIES),
      maxBytes: positive('maxBytes', options.maxBytes, DEFAULT_MAX_BYTES),
    });
    this.#keyPrefix = keyPrefix;
    this.#link = new TrackingLink(open, {
      onKeys: (keys) => this.#invalidated(keys),
      onDown: () => this.#copy.clear(),
      onError: (error) => options.onError?.(error),
    });
  }

  /** The record at store key `key`: the copy when tracked, else `load()` (copied if allowed). */
  async read(key: string, load: () => Promise<LoadedRecord>): Promise<StoreRecord | undefined> {
    const copy = this.#link.up ? this.#copy.peek(key) : undefined;
    if (copy !== undefined) {
      await yieldToSockets();
      // Still the same copy, still tracked: nothing reported since (see the module comment).
      if (this.#link.up && this.#copy.peek(key) === copy && copy.expiresAt > Date.now()) {
        this.#hits++;
        return copy;
      }
    }
    this.#misses++;
    // A read sent while untracked is never copied: a write before tracking resumed went unreported.
    const tracked = this.#link.up;
    const ticket = this.#copy.begin(key, this.#link.generation);
    let loaded: LoadedRecord | undefined;
    try {
      loaded = await load();
      return loaded.record;
    } finally {
      const copyable = tracked && this.#link.up && loaded?.copyable === true ? loaded.record : undefined;
      this.#copy.end(ticket, copyable, this.#link.generation);
    }
  }

  /** This process changed `key`: drop it now rather than when Redis's report arrives. */
  forget(key: string): void {
    this.#copy.invalidate(key);
  }

  /** This process ended `userId`'s sessions: drop their copies now. */
  forgetUser(userId: string): void {
    this.#copy.invalidateUser(userId);
  }

  stats(): RedisCacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      invalidations: this.#copy.invalidations,
      evictions: this.#copy.evictions,
      entries: this.#copy.size,
      bytes: this.#copy.bytes,
      tracking: this.#link.up,
      trackingLosses: this.#link.losses,
    };
  }

  close(): Promise<void> {
    this.#copy.clear();
    return this.#link.close();
  }

  #invalidated(keys: InvalidatedKeys): void {
    if (keys === null) {
      this.#copy.clear();
      return;
    }
    const prefix = this.#keyPrefix;
    for (const name of keys) if (name.startsWith(prefix)) this.#copy.invalidate(name.slice(prefix.length));
  }
}
