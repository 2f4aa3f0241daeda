/**
 * The part of Cloudflare's `D1Database` binding the D1 store uses, declared structurally so that
 * neither this package nor its users need `@cloudflare/workers-types` to compile: the real binding
 * (`env.DB`), miniflare's `getD1Database()` and wrangler's `getPlatformProxy()` all fit it.
 */
import { ConfigError } from '../../core/errors.ts';

/** A value D1 binds: what a SQLite column of this table holds. */
export type D1Value = string | number | null;

/** What `all()` and each `batch()` entry resolve to. */
export interface D1Result {
  /** The rows a statement returned (absent or empty for statements that return none). */
  readonly results?: readonly Record<string, unknown>[];
  /** What D1 reports of the run: `changes`, the rows the statement wrote. */
  readonly meta: { readonly changes?: number };
}

/** A prepared statement: `bind` returns a new, bound statement (the original stays reusable). */
export interface D1Statement {
  /** The statement with its `?` placeholders bound to `values`, in order. */
  bind(...values: D1Value[]): D1Statement;
  /** Runs the statement and resolves to its rows and run metadata. */
  all(): Promise<D1Result>;
}

/** The binding: `prepare` and `batch` (atomic and sequential: all statements commit or none). */
export interface D1Binding {
  /** A statement for `query` (SQLite SQL with `?` placeholders). */
  prepare(query: string): D1Statement;
  /** Runs `statements` in order as one transaction: all commit or none; one result each. */
  batch(statements: D1Statement[]): Promise<D1Result[]>;
}

/**
 * Returns `database` when it has D1's `prepare` and `batch`.
 * @throws ConfigError (`COATCHECK_CONFIG`) naming the fix otherwise: the usual mistakes are the
 * whole `env`, a KV namespace, or a binding name that is not in the wrangler config.
 */
export function checkD1Binding(store: string, database: unknown): D1Binding {
  const shape = database as Partial<Record<string, unknown>> | null | undefined;
  if (typeof shape?.prepare === 'function' && typeof shape.batch === 'function') {
    return database as D1Binding;
  }
  const hint =
    database === undefined
      ? 'got undefined: is the binding declared under [[d1_databases]] in wrangler.toml (binding = "DB"), and do you pass env.DB?'
      : typeof shape?.put === 'function' && typeof shape.list === 'function'
        ? 'got a KV namespace: use kvStore from coatcheck/stores/kv for KV, or pass the D1 binding (env.DB).'
        : typeof shape?.DB === 'object'
          ? 'got the whole env: pass the binding itself, env.DB.'
          : `got ${database === null ? 'null' : typeof database} without prepare() and batch(): pass the D1 binding (env.DB).`;
  throw new ConfigError(`${store}: database must be a D1 binding; ${hint}`);
}
