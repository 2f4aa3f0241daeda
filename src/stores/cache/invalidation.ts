/**
 * Cross-process invalidation of the caching tier over Redis pub/sub, for ioredis and node-redis
 * clients alike (duck-typed, no driver import).
 */
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../../core/errors.ts';
import type { Move } from './moves.ts';

/** A Redis client that can publish (ioredis or node-redis). */
export interface RedisPublisherLike {
  /** Publishes an invalidation (`PUBLISH channel message`). */
  publish(channel: string, message: string): Promise<unknown>;
}

/**
 * A Redis client dedicated to subscribing. ioredis: `subscribe(channel)` plus `on('message')`;
 * node-redis: `subscribe(channel, listener)` (a client in subscriber mode, e.g. `client.duplicate()`).
 */
export interface RedisSubscriberLike {
  // Parameters typed `never` so both drivers' overloaded signatures fit; calls go through `callWith`.
  /** `SUBSCRIBE` to the invalidation channel. */
  subscribe(...args: never[]): Promise<unknown>;
  /** `UNSUBSCRIBE`, at `close()`. */
  unsubscribe(...args: never[]): Promise<unknown>;
  /** ioredis: adds the `message` listener. */
  on?(...args: never[]): unknown;
  /** ioredis: removes the `message` listener at `close()`. */
  off?(...args: never[]): unknown;
}

type Listener = (message: string, channel: string) => void;
type Handler = (channel: string, message: string) => void;

/** Calls a duck-typed client method with the arguments both drivers document for it. */
function callWith<A extends unknown[]>(client: object, method: unknown, ...args: A): unknown {
  return (method as (...params: A) => unknown).apply(client, args);
}

/** Options of the pub/sub invalidation channel. */
export interface CacheInvalidationOptions {
  /** Publishes invalidations. Left open by `close()`. */
  readonly publisher: RedisPublisherLike;
  /** A separate connection in subscriber mode. Left open by `close()` (only unsubscribed). */
  readonly subscriber: RedisSubscriberLike;
  /** The channel every process of one deployment shares. Default `coatcheck:invalidate`. */
  readonly channel?: string;
}

/** What one invalidation message carries. */
export interface Invalidation {
  /** Keys to drop from the front store. */
  readonly keys: readonly string[];
  /** Rotations to remember (see `Moves`), so no process caches a rotated-away key. */
  readonly moves: readonly Move[];
}

/** A joined invalidation channel. */
export interface InvalidationChannel {
  /** Tells the other processes to drop `keys` from their front store and remember `moves`. Never rejects. */
  publish(invalidation: Invalidation): Promise<void>;
  close(): Promise<void>;
}

function isMove(value: unknown): value is Move {
  if (!Array.isArray(value) || value.length !== 3) return false;
  const [key, successor, until] = value as unknown[];
  return (
    typeof key === 'string' &&
    (successor === null || typeof successor === 'string') &&
    typeof until === 'number'
  );
}

/**
 * Checks, synchronously, that the invalidation clients look like Redis clients.
 * @throws ConfigError (`COATCHECK_CONFIG`) otherwise.
 */
export function checkInvalidationClients(options: CacheInvalidationOptions): void {
  const { publisher, subscriber, channel } = options;
  if (
    typeof publisher?.publish !== 'function' ||
    typeof subscriber?.subscribe !== 'function' ||
    typeof subscriber.unsubscribe !== 'function' ||
    (!isNodeRedis(subscriber) &&
      (typeof subscriber.on !== 'function' || typeof subscriber.off !== 'function')) ||
    (channel !== undefined && (typeof channel !== 'string' || channel === ''))
  ) {
    throw new ConfigError(
      'cacheStore: invalidation needs { publisher, subscriber, channel? }: two Redis clients (ioredis or node-redis, the subscriber a separate connection) and a non-empty channel name.',
    );
  }
}

/** node-redis clients expose `isOpen`; ioredis clients expose `status` and emit `message`. */
function isNodeRedis(client: RedisSubscriberLike): boolean {
  return typeof (client as { isOpen?: unknown }).isOpen === 'boolean';
}

/**
 * Subscribes to the channel; `onInvalidation` receives what other processes invalidated (messages
 * this process published are ignored: it already dropped those keys itself).
 */
export async function joinInvalidation(
  options: CacheInvalidationOptions,
  onInvalidation: (invalidation: Invalidation) => void,
  onError: (error: unknown) => void,
): Promise<InvalidationChannel> {
  checkInvalidationClients(options);
  const { publisher, subscriber } = options;
  const channel = options.channel ?? 'coatcheck:invalidate';
  const origin = randomBytes(9).toString('base64url');
  const receive = (message: string) => {
    try {
      const parsed = JSON.parse(message) as { o?: unknown; k?: unknown; m?: unknown };
      if (parsed.o === origin || !Array.isArray(parsed.k)) return;
      onInvalidation({
        keys: parsed.k.filter((key): key is string => typeof key === 'string'),
        moves: Array.isArray(parsed.m) ? parsed.m.filter(isMove) : [],
      });
    } catch (error) {
      onError(error);
    }
  };
  const listener = (message: string, from: string) => {
    if (from === channel) receive(message);
  };
  const handler = (from: string, message: string) => listener(message, from);
  if (isNodeRedis(subscriber)) {
    await callWith<[string, Listener]>(subscriber, subscriber.subscribe, channel, listener);
  } else {
    callWith<[string, Handler]>(subscriber, subscriber.on, 'message', handler);
    await callWith<[string]>(subscriber, subscriber.subscribe, channel);
  }
  return {
    async publish({ keys, moves }) {
      if (keys.length === 0) return;
      // `m` only when there are moves: a message stays as small as before for plain writes.
      const message = moves.length === 0 ? { o: origin, k: keys } : { o: origin, k: keys, m: moves };
      try {
        await publisher.publish(channel, JSON.stringify(message));
      } catch (error) {
        onError(error); // the cache TTL still bounds staleness
      }
    },
    async close() {
      try {
        if (isNodeRedis(subscriber)) {
          await callWith<[string, Listener]>(subscriber, subscriber.unsubscribe, channel, listener);
        } else {
          callWith<[string, Handler]>(subscriber, subscriber.off, 'message', handler);
          await callWith<[string]>(subscriber, subscriber.unsubscribe, channel);
        }
      } catch (error) {
        onError(error);
      }
    },
  };
}
