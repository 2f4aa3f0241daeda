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
