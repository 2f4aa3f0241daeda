/**
 * How the memory store keeps a record small: frozen, its data copied so that records with the same
 * keys share one hidden class, and short values held once per store (docs/BENCHMARKS.md, "Memory
 * per live session").
 */
import type { EncodedData, StoreRecord } from '../../core/store.ts';

/** The record as the store keeps it: frozen (callers get the stored object itself), data in a shared-shape copy. */
export function freezeRecord(
  record: Omit<StoreRecord, 'data'>,
  data: EncodedData,
  values: ShortValues,
): StoreRecord {
  // Callers get the stored object itself, so it must be immutable, data included.
  return Object.freeze({
    data: Object.freeze(sharedShapeCopy(data, values)),
    userId: record.userId,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
    absoluteExpiresAt: record.absoluteExpiresAt,
    rev: record.rev,
  });
}

/**
 * Short encoded values (a counter, a flag) kept once per store instead of once per session: each
 * copy is a string of its own (24 bytes for `1`). Values longer than 16 characters, and new ones
 * once 1 024 are known, are stored as given; the set is the store's, dropped with it.
 */
export class ShortValues {
  readonly #known = new Map<string, string>();
  /** `value`, or the equal string this store already holds. */
  shared(value: string): string {
    if (value.length > 16) return value;
    const known = this.#known.get(value);
    if (known !== undefined) return known;
    if (this.#known.size < 1024) this.#known.set(value, value);
    return value;
  }
}

/**
 * A constructor of plain objects (its prototype is Object.prototype, so a copy still equals an
 * object literal, prototype included): V8 sizes the objects a constructor makes to the fields its
 * first instances used (slack tracking), where `{}` always reserves four, 24 bytes a session
 * holding one key.
 */
function PlainData(): void {}
PlainData.prototype = Object.prototype;

/**
 * A copy of `data` built by assignment into `{}`, key by key. Objects built so with the same keys
 * in the same order share one hidden class; a spread or `Object.fromEntries` copy, frozen, got a
 * hidden class and descriptor array of its own, about 145 bytes per live session
 * (docs/BENCHMARKS.md, "Memory per live session"). A `__proto__` key is defined, not assigned,
 * so it stays a plain key.
 */
function sharedShapeCopy(data: EncodedData, values: ShortValues): Record<string, string> {
  const copy = new (PlainData as unknown as new () => Record<string, string>)();
  for (const key of Object.keys(data)) {
    const value = values.shared(data[key] as string);
    if (key === '__proto__') {
      Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    } else copy[key] = value;
  }
  return copy;
}
