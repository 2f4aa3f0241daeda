/**
 * One session's values during a request: what was loaded (decoded once), what changed since (the
 * patch the commit sends), and which values must be re-sealed under the current encryption key.
 */
import { type CodecLimits, decodeValue, encodeValue } from './codec.ts';
import type { ValueCipher } from './encryption.ts';
import type { EncodedData, StoreDataPatch } from './store.ts';
import { utf8Length } from './utf8.ts';

/** The opened values of a loaded record (see open-record.ts). */
export interface OpenedRecord {
  /** Decoded value of every key. */
  readonly decoded: Map<string, unknown>;
  /**
   * Encoded (unsealed) text of every key, for equality checks; only when values are encrypted
   * (otherwise the stored text is the plain text, and no second map is built).
   */
  readonly plain: Map<string, string> | undefined;
  /** Keys sealed under an older encryption key, if any. */
  readonly stale: Set<string> | undefined;
}

const DELETED = Symbol('deleted');
/** An encoded (sealed, when encrypting) value set in this request, or a deletion. */
export type Pending = string | typeof DELETED;

/** Whether a pending entry is a deletion. */
export function isDeletion(value: Pending): value is typeof DELETED {
  return value === DELETED;
}

/** The data of a session that loaded nothing: shared, never written (writes go to the patch). */
const NO_DATA: EncodedData = Object.freeze({});
const NO_PENDING: ReadonlyMap<string, Pending> = new Map();

/**
 * Each collection is made when first written: a request that loads a session and reads it (the
 * common case) allocates one map, the decoded values, and nothing else here (docs/BENCHMARKS.md,
 * "Where the Express microseconds go": on Express every object a session keeps is promoted, so
 * each one costs a major-GC share).
 */
export class SessionValues {
  readonly #cipher: ValueCipher | undefined;
  readonly #limits: CodecLimits;
  /** The record's stored (encoded, maybe sealed) values, as loaded. Never written. */
  #stored: EncodedData = NO_DATA;
  /** Decoded values, filled at load and on write. */
  #decoded: Map<string, unknown> | undefined = undefined;
  /**
   * With a cipher, the encoded (plain, unsealed) text of each current value. Equality is judged
   * on it, not on the decoded object, because callers may mutate what `get()` returned and
   * `set()` it back. Without a cipher that text is the pending or stored value itself (plainOf).
   */
  #plain: Map<string, string> | undefined = undefined;
  /** Values set, or DELETED, since load: the patch. */
  #pending: Map<string, Pending> | undefined = undefined;
  /** Keys whose stored value is sealed under an old encryption key: re-sealed with the next write. */
  #stale: Set<string> | undefined = undefined;

  constructor(cipher: ValueCipher | undefined, limits: CodecLimits) {
    this.#cipher = cipher;
    this.#limits = limits;
  }

  /**
   * Takes the values of a loaded record, already opened and decoded. Called once, before any write
   * but blind ones (other writes load first), so the opened maps are adopted instead of copied.
   */
  adopt(stored: EncodedData, opened: OpenedRecord): void {
    const written = this.#decoded;
    const writtenPlain = this.#plain;
    this.#stored = stored;
    this.#decoded = opened.decoded;
    this.#plain = opened.plain;
    this.#stale = opened.stale;
    // Blind writes (`set(k, v, { blind: true })`) made before a load stay on top of what it loaded.
    // Without a cipher their plain text is their pending value, which stays.
    if (this.#pending === undefined) return;
    for (const key of this.#pending.keys()) {
      this.#decoded.set(key, written?.get(key));
      if (this.#plain === undefined) continue;
      const text = writtenPlain?.get(key);
      if (text === undefined) this.#plain.delete(key);
      else this.#plain.set(key, text);
    }
  }

  /** Forgets everything: the session was destroyed. */
  reset(): void {
    this.#stored = NO_DATA;
    this.#decoded = undefined;
    this.#plain = undefined;
    this.#pending = undefined;
    this.#stale = undefined;
  }

  get pending(): ReadonlyMap<string, Pending> {
    return this.#pending ?? NO_PENDING;
  }

  keys(): Set<string> {
    const keys = new Set(Object.keys(this.#stored));
    for (const [key, value] of this.pending) {
      if (value === DELETED) keys.delete(key);
      else keys.add(key);
    }
    return keys;
  }

  read(key: string): unknown {
    const decoded = this.#decoded;
    if (decoded?.has(key)) return decoded.get(key);
    const pending = this.#pending?.get(key);
    const encoded = pending === undefined ? this.#stored[key] : pending === DELETED ? undefined : pending;
    if (encoded === undefined) return undefined;
    // Loaded values were decoded at load; only values written in this request reach here.
    const text = this.#cipher === undefined ? encoded : this.#cipher.open(encoded, key).plaintext;
    const value = decodeValue(text, this.#limits);
    this.#decodedMap().set(key, value);
    return value;
  }

  /** Records `value` for `key`, unless its encoding equals the current one. Throws CodecError. */
  write(key: string, value: unknown): void {
    const encoded = encodeValue(value, this.#limits);
    if (this.#plainOf(key) === encoded) return;
    if (this.#cipher !== undefined) this.#plainMap().set(key, encoded);
    this.#pendingMap().set(key, this.#seal(encoded, key));
    // Cache the decoded form of what was stored, so later reads see exactly what a reload would.
    this.#decodedMap().set(key, decodeValue(encoded, this.#limits));
    this.resealStale();
  }

  remove(key: string): void {
    if (this.read(key) === undefined) return;
    if (this.#stored[key] === undefined) this.#pending?.delete(key);
    else this.#pendingMap().set(key, DELETED);
    this.#decoded?.delete(key);
    this.#plain?.delete(key);
    this.#stale?.delete(key);
    this.resealStale();
  }

  /** This request's changes as the store applies them: encoded values set, keys removed. */
  patch(): StoreDataPatch {
    const set: Record<string, string> = {};
    const del: string[] = [];
    for (const [key, value] of this.pending) {
      if (value === DELETED) del.push(key);
      else set[key] = value;
    }
    return { set, del };
  }

  /** Whether no key is left after this request's changes; allocates nothing (runs on every commit). */
  isEmpty(): boolean {
    const pending = this.pending;
    for (const [, value] of pending) if (value !== DELETED) return false;
    // Only stored keys are ever pending deletions: the session is empty when every one is.
    for (const key in this.#stored) if (pending.get(key) !== DELETED) return false;
    return true;
  }

  /**
   * The size `maxSessionBytes` limits, of the data after this request's changes: the UTF-16 length
   * of each key plus the UTF-8 length of its encoded value. Allocates nothing.
   */
  encodedBytes(): number {
    const pending = this.pending;
    let bytes = 0;
    for (const key in this.#stored) {
      if (pending.has(key)) continue;
      bytes += key.length + utf8Length(this.#stored[key]!);
    }
    for (const [key, value] of pending) if (value !== DELETED) bytes += key.length + utf8Length(value);
    return bytes;
  }

  /** The full encoded data after this request's changes. */
  merged(): Record<string, string> {
    const data: Record<string, string> = { ...this.#stored };
    for (const [key, value] of this.pending) {
      if (value === DELETED) delete data[key];
      else data[key] = value;
    }
    return data;
  }

  /** Piggybacks re-encryption of values under old keys on a write that happens anyway. */
  resealStale(): void {
    const stale = this.#stale;
    if (stale === undefined || stale.size === 0) return;
    const pending = this.#pendingMap();
    for (const key of stale) {
      if (pending.has(key)) continue;
      pending.set(key, this.#seal(this.#plainOf(key)!, key));
    }
    stale.clear();
  }

  #decodedMap(): Map<string, unknown> {
    this.#decoded ??= new Map();
    return this.#decoded;
  }

  #plainMap(): Map<string, string> {
    this.#plain ??= new Map();
    return this.#plain;
  }

  #pendingMap(): Map<string, Pending> {
    this.#pending ??= new Map();
    return this.#pending;
  }

  /** The encoded, unsealed text of the current value of `key`, if it has one. */
  #plainOf(key: string): string | undefined {
    if (this.#cipher !== undefined) return this.#plain?.get(key);
    const pending = this.#pending?.get(key);
    if (pending === undefined) return this.#stored[key];
    return pending === DELETED ? undefined : pending;
  }

  #seal(encoded: string, key: string): string {
    return this.#cipher === undefined ? encoded : this.#cipher.seal(encoded, key);
  }
}
