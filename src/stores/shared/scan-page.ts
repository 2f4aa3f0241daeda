/**
 * Keyset paging for `Store.scan` where the backend has no ordered index to page through
 * (memory, filesystem): keep the smallest keys after the cursor, at most `limit + 1` of them, so a
 * page costs one pass over the keys and memory bounded by the page size.
 */
import { positiveInteger } from './store-options.ts';

/**
 * Validates the `limit` of a scan call.
 * @throws ConfigError (`COATCHECK_CONFIG`) when it is not a positive integer.
 */
export function scanLimit(store: string, limit: number): number {
  return positiveInteger(store, 'scan limit', limit);
}

/** Collects the `limit` smallest keys greater than `after`, plus one to tell whether more follow. */
export class SmallestKeys {
  readonly #after: string | undefined;
  readonly #keep: number;
  readonly #keys: string[] = [];

  constructor(after: string | undefined, limit: number) {
    this.#after = after;
    this.#keep = limit + 1;
  }

  /** Offers one key; keys at or before the cursor are ignored. */
  add(key: string): void {
    if (this.#after !== undefined && key <= this.#after) return;
    const keys = this.#keys;
    const last = keys.at(-1);
    if (keys.length === this.#keep && last !== undefined && key >= last) return;
    let low = 0;
    let high = keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((keys[mid] ?? '') < key) low = mid + 1;
      else high = mid;
    }
    if (keys[low] === key) return;
    keys.splice(low, 0, key);
    if (keys.length > this.#keep) keys.pop();
  }

  /** The page's keys in order, and the cursor to resume after them (`undefined`: nothing follows). */
  page(): { readonly keys: string[]; readonly cursor: string | undefined } {
    const more = this.#keys.length === this.#keep;
    const keys = more ? this.#keys.slice(0, -1) : [...this.#keys];
    return { keys, cursor: more ? keys.at(-1) : undefined };
  }
}
