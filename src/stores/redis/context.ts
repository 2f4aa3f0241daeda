/**
 * What the Redis store's internals share: the driver, the key layout and the user index.
 */
import type { RedisDriver } from './driver.ts';
import type { UserIndex } from './user-index.ts';

/** The store's driver, its session key names and its user index. */
export interface RedisContext {
  readonly driver: RedisDriver;
  readonly index: UserIndex;
  /** The Redis key of a store key's hash: `<prefix>s:<key>`. */
  sessionKey(key: string): string;
}

/** Runs `task` over `items`, at most `width` at a time, keeping order. */
export async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) {
    results.push(...(await Promise.all(items.slice(i, i + width).map(task))));
  }
  return results;
}
