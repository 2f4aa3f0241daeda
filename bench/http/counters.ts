/**
 * Store-side operation counters for the stores that have no server to ask (memory, SQLite) and for
 * PostgreSQL (pg_stat_statements needs a server restart we do not own). Every wrapper delegates
 * each call unchanged: an observer, never a mock. Redis is counted on the Redis server instead.
 */
import type { Store } from 'coatcheck';

const calls = new Map<string, number>();

function count(name: string): void {
  calls.set(name, (calls.get(name) ?? 0) + 1);
}

/** Forgets every count (called by the orchestrator before each counted series). */
export function resetCounts(): void {
  calls.clear();
}

/** The counts since the last reset, by operation name. */
export function readCounts(): Record<string, number> {
  return Object.fromEntries(calls);
}

/** Wraps a coatcheck Store so every call is counted by method name. */
export function countingStore<S extends Store>(inner: S): S {
  const wrap =
    <A extends unknown[], R>(name: string, fn: (...args: A) => R) =>
    (...args: A): R => {
      count(name);
      return fn(...args);
    };
  const wrapped: Store = {
    name: inner.name,
    get: wrap('get', (key) => inner.get(key)),
    create: wrap('create', (key, record) => inner.create(key, record)),
    update: wrap('update', (key, patch) => inner.update(key, patch)),
    touch: wrap('touch', (key, window) => inner.touch(key, window)),
    delete: wrap('delete', (key) => inner.delete(key)),
    rotate: wrap('rotate', (oldKey, newKey, rotation) => inner.rotate(oldKey, newKey, rotation)),
    close: () => inner.close(),
  };
  return wrapped as S;
}

/** Something with pg's `query(text, values)`. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** Counts one SQL statement (one round trip) by its first word. */
export function countStatement(text: string): void {
  count(`sql:${text.trimStart().split(/\s/, 1)[0]?.toLowerCase() ?? '?'}`);
}

/** Wraps a pg Pool so every query (one round trip each) is counted by its first SQL word. */
export function countingQueryable(pool: Queryable): Queryable {
  return {
    query: (text, values) => {
      countStatement(text);
      return pool.query(text, values);
    },
  };
}

/**
 * Counts every statement `target` (a pg Pool or Client) is asked to run by wrapping its own
 * `query` in place. Every argument is passed on: the pool's `query()` calls a client's with a
 * callback as the third.
 */
export function countQueryCalls(target: object): void {
  const holder = target as { query: (...args: unknown[]) => unknown };
  const query = holder.query.bind(target);
  holder.query = (...args) => {
    const text = args[0];
    countStatement(typeof text === 'string' ? text : String((text as { text?: unknown }).text));
    return query(...args);
  };
}

/**
 * Counts the calls made to an express-session or @fastify/session store instance by wrapping its
 * own methods in place (they still run: the wrapper only counts).
 */
export function countLegacyStore<T extends object>(store: T, methods: readonly string[]): T {
  const target = store as Record<string, unknown>;
  for (const method of methods) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    target[method] = function counted(this: unknown, ...args: unknown[]) {
      count(method);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  return store;
}
