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
  /** Encoded (unsealed) text of every key, for equality checks. */
  readonly plain: Map<string, string>;
  /** Keys sealed under an older encryption key. */
  readonly stale: Set<string>;
}

const DELETED = Symbol('deleted');
/** An encoded (sealed, when encrypting) value set in this request, or a deletion. */
export type Pending = string | typeof DELETED;

/** Whether a pending entry is a deletion. */
export function isDeletion(value: Pending): value is typeof DELETED {
  return value === DELETED;
}

export class SessionValues {
  readonly #cipher: ValueCipher | undefined;
  readonly #limits: CodecLimits;
  /** The record's stored (encoded, maybe sealed) values, as loaded. */
  #stored: EncodedData = {};
  /** Decoded values, filled at load and on write. */
  #decoded = new Map<string, unknown>();
  /**
   * The encoded (plain, unsealed) text of each current value. Equality is judged on it, not on the
   * decoded object, because callers may mutate what `get()` returned and `set()` it back.
   */
  #plain = new Map<string, string>();
  /** Values set, or DELETED, since load: the patch. */
  readonly #pending = new Map<string, Pending>();
  /** Keys whose stored value is sealed under an old encryption key: re-sealed with the next write. */
  #stale = new Set<string>();

  constructor(cipher: ValueCipher | undefined, limits: CodecLimits) {
    this.#cipher = cipher;
    this.#limits = limits;
  }

  /**
   * Takes the values of a loaded record, already opened and decoded. Called once, before any write
   * but blind ones (other writes load first), so the opened maps are adopted instead of copied.
   */
  adopt(stored: EncodedData, opened: OpenedRecord): void {
    const [written, writtenPlain] = [this.#decoded, this.#plain];
    this.#stored = stored;
    this.#decoded = opened.decoded;
    this.#plain = opened.plain;
    this.#stale = opened.stale;
    // Blind writes (`set(k, v, { blind: true })`) made before a load stay on top of what it loaded.
    for (const key of this.#pending.keys()) {
      this.#decoded.set(key, written.get(key));
      this.#plain.set(key, writtenPlain.get(key)!);
    }
  }

  /** Forgets everything: the session was destroyed. */
  reset(): void {
    this.#stored = {};
    this.#decoded.clear();
    this.#plain.clear();
    this.#pending.clear();
    this.#stale.clear();
  }

  get pending(): ReadonlyMap<string, Pending> {
    return this.#pending;
  }

  keys(): Set<string> {
    const keys = new Set(Object.keys(this.#stored));
    for (const [key, value] of this.#pending) {
      if (value === DELETED) keys.delete(key);
      else keys.add(key);
    }
    return keys;
  }

  read(key: string): unknown {
    if (this.#decoded.has(key)) return this.#decoded.get(key);
    const pending = this.#pending.get(key);
    const encoded = pending === undefined ? this.#stored[key] : pending === DELETED ? undefined : pending;
    if (encoded === undefined) return undefined;
    // Loaded values were decoded at load; only values written in this request reach here.
    const text = this.#cipher === undefined ? encoded : this.#cipher.open(encoded, key).plaintext;
    const value = decodeValue(text, this.#limits);
    this.#decoded.set(key, value);
    return value;
  }

  /** Records `value` for `key`, unless its encoding equals the current one. Throws CodecError. */
  write(key: string, value: unknown): void {
    const encoded = encodeValue(value, this.#limits);
    if (this.#plain.get(key) === encoded) return;
    this.#plain.set(key, encoded);
    this.#pending.set(key, this.#seal(encoded, key));
    // Cache the decoded form of what was stored, so later reads see exactly what a reload would.
    this.#decoded.set(key, decodeValue(encoded, this.#limits));
    this.resealStale();
  }

  remove(key: string): void {
    if (this.read(key) === undefined) return;
    if (this.#stored[key] === undefined) this.#pending.delete(key);
    else this.#pending.set(key, DELETED);
    this.#decoded.delete(key);
    this.#plain.delete(key);
    this.#stale.delete(key);
    this.resealStale();
  }

  /** This request's changes as the store applies them: encoded values set, keys removed. */
  patch(): StoreDataPatch {
    const set: Record<string, string> = {};
    const del: string[] = [];
    for (const [key, value] of this.#pending) {
      if (value === DELETED) del.push(key);
      else set[key] = value;
    }
    return { set, del };
  }

  /** Whether no key is left after this request's changes; allocates nothing (runs on every commit). */
  isEmpty(): boolean {
    for (const [, value] of this.#pending) if (value !== DELETED) return false;
    // Only stored keys are ever pending deletions: the session is empty when every one is.
    for (const key in this.#stored) if (this.#pending.get(key) !== DELETED) return false;
    return true;
  }

  /**
   * The size `maxSessionBytes` limits, of the data after this request's changes: the UTF-16 length
   * of each key plus the UTF-8 length of its encoded value. Allocates nothing.
   */
  encodedBytes(): number {
    let bytes = 0;
    for (const key in this.#stored) {
      if (this.#pending.has(key)) continue;
      bytes += key.length + utf8Length(this.#stored[key]!);
    }
    for (const [key, value] of this.#pending) if (value !== DELETED) bytes += key.length + utf8Length(value);
    return bytes;
  }

  /** The full encoded data after this request's changes. */
  merged(): Record<string, string> {
    const data: Record<string, string> = { ...this.#stored };
    for (const [key, value] of this.#pending) {
      if (value === DELETED) delete data[key];
      else data[key] = value;
    }
    return data;
  }

  /** Piggybacks re-encryption of values under old keys on a write that happens anyway. */
  resealStale(): void {
    if (this.#stale.size === 0) return;
    for (const key of this.#stale) {
      if (this.#pending.has(key)) continue;
      this.#pending.set(key, this.#seal(this.#plain.get(key)!, key));
    }
    this.#stale.clear();
  }

  #seal(encoded: string, key: string): string {
    return this.#cipher === undefined ? encoded : this.#cipher.seal(encoded, key);
  }
}
