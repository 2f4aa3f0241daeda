/**
 * The memcached commands the store is built from, with their replies turned into outcomes:
 * `gets` (value and CAS token), `add` (create only), `set`, and `cas`, whose token makes every
 * change of one key (update, touch, rotation, delete) serialize with every other.
 */
import { CodecError } from '../../core/errors.ts';
import { decodeItem, type Stored } from './item.ts';

/** The part of a `memcache-client` MemcacheClient the store uses. */
export interface MemcachedClientLike {
  /** Stores `value` only if `key` is absent (creates never overwrite). */
  add(key: string, value: string, options: { lifetime: number }): Promise<unknown>;
  /** Stores `value` unconditionally. */
  set(key: string, value: string, options: { lifetime: number }): Promise<unknown>;
  /** Reads `key` with its CAS token. */
  gets(key: string): Promise<unknown>;
  /** Stores `value` only if `key` is unchanged since the `gets` that returned `casUniq`. */
  cas(key: string, value: string, options: { casUniq: string | number; lifetime: number }): Promise<unknown>;
  /** Deletes `key`. */
  delete(key: string): Promise<unknown>;
}

/** Item header, key and CAS overhead kept free below `maxItemBytes`. */
const ITEM_OVERHEAD = 512;

/**
 * What a compare-and-delete writes: `cas` with exptime -1 stores an item that is already expired,
 * i.e. removes the key, but only if nobody changed it since our `gets`.
 */
const ENDED = '{"v":1,"ended":1}';

/** An item as read, with the token a `cas` on it needs. */
export interface Loaded {
  readonly stored: Stored;
  readonly cas: string | number;
}

/** What a `cas` did. */
export type SwapOutcome = 'stored' | 'changed' | 'missing';

/** `memcache-client` rejects with the server's reply line as the message. */
function reply(error: unknown): string {
  return error instanceof Error ? error.message : '';
}

export class Items {
  readonly #client: MemcachedClientLike;
  readonly #prefix: string;
  readonly #maxItemBytes: number;

  constructor(client: MemcachedClientLike, prefix: string, maxItemBytes: number) {
    this.#client = client;
    this.#prefix = prefix;
    this.#maxItemBytes = maxItemBytes;
  }

  /** Checks `text` against the item size limit before it is sent. */
  sized(text: string): string {
    const bytes = Buffer.byteLength(text);
    if (bytes > this.#maxItemBytes - ITEM_OVERHEAD) {
      throw new CodecError(
        `memcachedStore: the session is ${bytes} bytes, over memcached's item limit (maxItemBytes ${this.#maxItemBytes}); store less in the session or raise memcached -I and maxItemBytes`,
      );
    }
    return text;
  }

  /** The item at `key` (expired records included: callers judge liveness), or `undefined`. */
  async read(key: string): Promise<Loaded | undefined> {
    const result = (await this.#client.gets(this.#prefix + key)) as
      | { value?: unknown; casUniq?: string | number }
      | undefined;
    if (result?.casUniq === undefined) return undefined;
    const stored = decodeItem(result.value);
    return stored && { stored, cas: result.casUniq };
  }

  /** Stores `value` only if the key holds nothing. @returns false when it holds an item. */
  async add(key: string, value: string, lifetime: number): Promise<boolean> {
    try {
      await this.#client.add(this.#prefix + key, value, { lifetime });
      return true;
    } catch (error) {
      if (reply(error) === 'NOT_STORED') return false;
      return this.#rethrow(error);
    }
  }

  async set(key: string, value: string, lifetime: number): Promise<void> {
    await this.#client.set(this.#prefix + key, value, { lifetime }).catch((error) => this.#rethrow(error));
  }

  /** Replaces the item read with token `cas` by `value`, unless it changed or vanished since. */
  async swap(key: string, value: string, cas: string | number, lifetime: number): Promise<SwapOutcome> {
    try {
      await this.#client.cas(this.#prefix + key, value, { casUniq: cas, lifetime });
      return 'stored';
    } catch (error) {
      if (reply(error) === 'EXISTS') return 'changed';
      if (reply(error) === 'NOT_FOUND') return 'missing';
      return this.#rethrow(error);
    }
  }

  /** Removes the item read with token `cas`, unless it changed or vanished since. */
  remove(key: string, cas: string | number): Promise<SwapOutcome> {
    return this.swap(key, ENDED, cas, -1);
  }

  /** Removes whatever the key holds. */
  async drop(key: string): Promise<void> {
    try {
      await this.#client.delete(this.#prefix + key);
    } catch (error) {
      if (reply(error) !== 'NOT_FOUND') throw error;
    }
  }

  #rethrow(error: unknown): never {
    if (/too large/i.test(reply(error)))
      throw new CodecError(`memcachedStore: the server refused the item as too large (${reply(error)})`);
    throw error;
  }
}
