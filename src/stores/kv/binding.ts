/**
 * The part of Cloudflare's `KVNamespace` binding the KV store uses, declared structurally so that
 * neither this package nor its users need `@cloudflare/workers-types`: the real binding
 * (`env.SESSIONS`), miniflare's `getKVNamespace()` and wrangler's `getPlatformProxy()` fit it.
 */
import { ConfigError } from '../../core/errors.ts';

/** What `put` takes: an absolute expiry in seconds since the epoch (at least 60 s ahead). */
export interface KvPutOptions {
  /** When KV may drop the value (seconds since the epoch; at least 60 s ahead, KV's own minimum). */
  readonly expiration?: number;
}

/** A KV namespace. */
export interface KvNamespace {
  /** The value at `key` as text, or `null` when absent (possibly stale elsewhere for up to a minute). */
  get(key: string, type: 'text'): Promise<string | null>;
  /** Writes `value` at `key`; the last write wins, there is no compare-and-set. */
  put(key: string, value: string, options?: KvPutOptions): Promise<unknown>;
  /** Removes `key`. */
  delete(key: string): Promise<unknown>;
}

/**
 * Returns `namespace` when it has KV's `get`, `put`, `delete` and `list`.
 * @throws ConfigError (`COATCHECK_CONFIG`) naming the fix otherwise.
 */
export function checkKvNamespace(store: string, namespace: unknown): KvNamespace {
  const shape = namespace as Partial<Record<string, unknown>> | null | undefined;
  const has = (name: string) => typeof shape?.[name] === 'function';
  if (has('get') && has('put') && has('delete') && has('list')) return namespace as KvNamespace;
  const hint =
    namespace === undefined
      ? 'got undefined: is the namespace declared under [[kv_namespaces]] in wrangler.toml (binding = "SESSIONS"), and do you pass env.SESSIONS?'
      : has('prepare') && has('batch')
        ? 'got a D1 database: use d1Store from coatcheck/stores/d1 for D1 (recommended for sessions), or pass the KV binding.'
        : has('atomic')
          ? 'got a Deno.Kv: use denoKvStore from coatcheck/stores/deno-kv on Deno.'
          : `got ${namespace === null ? 'null' : typeof namespace} without get/put/delete/list: pass the KV binding (env.SESSIONS).`;
  throw new ConfigError(`${store}: namespace must be a Workers KV namespace binding; ${hint}`);
}
