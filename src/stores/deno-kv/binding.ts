/**
 * The part of `Deno.Kv` the Deno KV store uses, declared structurally so that the package compiles
 * without Deno's types and a `Deno.Kv` from `Deno.openKv()` (local SQLite, `:memory:`, or Deno
 * Deploy's KV) fits it as it is.
 */
import { ConfigError } from '../../core/errors.ts';

/** A key of Deno KV: a tuple of parts. This store only uses string parts. */
export type KvKey = readonly (string | number | bigint | boolean | symbol | Uint8Array)[];

/** One entry as `get`/`getMany`/`list` return it; `versionstamp` is `null` when the key is absent. */
export interface KvEntryMaybe<T> {
  /** The key read. */
  readonly key: KvKey;
  /** Its value, or `null` when the key holds none. */
  readonly value: T | null;
  /** The version of that value, or `null` when absent: what an atomic `check` compares. */
  readonly versionstamp: string | null;
}

/** An atomic operation: every `check` must hold at commit, or nothing is written. */
export interface KvAtomicOperation {
  /** Makes the commit fail unless each key still has the given versionstamp (`null`: still absent). */
  check(...checks: { key: KvKey; versionstamp: string | null }[]): KvAtomicOperation;
  /** Writes `value` at `key` when the operation commits. */
  set(key: KvKey, value: unknown): KvAtomicOperation;
  /** Deletes `key` when the operation commits. */
  delete(key: KvKey): KvAtomicOperation;
  /** Applies every write at once if every check holds; `ok: false` (nothing written) otherwise. */
  commit(): Promise<{ readonly ok: boolean }>;
}

/** What `list` returns: the entries, and where to resume. */
export interface KvListIterator<T> extends AsyncIterable<KvEntryMaybe<T>> {
  /** Where a later `list` call resumes. */
  readonly cursor: string;
}

/** A Deno KV database, `await Deno.openKv()`. */
export interface DenoKv {
  /** Reads one key, with its versionstamp. */
  get<T = unknown>(key: KvKey): Promise<KvEntryMaybe<T>>;
  /** At most 10 keys. */
  getMany(keys: readonly KvKey[]): Promise<readonly KvEntryMaybe<unknown>[]>;
  /** The entries under a key prefix, in key order, paged by `limit` and `cursor`. */
  list<T = unknown>(
    selector: { prefix: KvKey },
    options?: { limit?: number; cursor?: string },
  ): KvListIterator<T>;
  /** Starts an atomic operation: checks, then writes that commit together or not at all. */
  atomic(): KvAtomicOperation;
}

/**
 * Returns `kv` when it looks like a `Deno.Kv`.
 * @throws ConfigError (`COATCHECK_CONFIG`) naming the fix otherwise (the usual mistake is passing
 * the promise of `Deno.openKv()` instead of awaiting it).
 */
export function checkDenoKv(store: string, kv: unknown): DenoKv {
  const shape = kv as Partial<Record<string, unknown>> | null | undefined;
  if (typeof shape?.atomic === 'function' && typeof shape.getMany === 'function') return kv as DenoKv;
  const hint =
    typeof shape?.then === 'function'
      ? 'got a Promise: await Deno.openKv() first.'
      : typeof shape?.put === 'function'
        ? 'got a Cloudflare KV namespace: use kvStore from coatcheck/stores/kv there.'
        : `got ${kv === null ? 'null' : typeof kv}: pass await Deno.openKv() (run Deno with --unstable-kv where KV is still unstable).`;
  throw new ConfigError(`${store}: kv must be a Deno.Kv; ${hint}`);
}
