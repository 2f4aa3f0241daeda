/**
 * Test sessions written straight through a store, in the shape core writes them (hashed-looking
 * keys, codec-encoded values, core's `$ip`/`$ua` metadata).
 */
import { randomBytes } from 'node:crypto';
import { encodeValue } from '../../src/core/codec.ts';
import type { NewStoreRecord, Store } from '../../src/core/store.ts';

/** A random key of the shape core uses (43 base64url characters). */
export function newKey(): string {
  return randomBytes(32).toString('base64url');
}

/** A record owned by `userId` (or anonymous), live for an hour unless `expired`. */
export function record(userId: string | null, expired = false): NewStoreRecord {
  const now = Date.now();
  return {
    data: {
      cart: encodeValue(['Hat']),
      $ip: encodeValue('10.0.0.7'),
      $ua: encodeValue('TestBrowser/1.0'),
    },
    userId,
    createdAt: now - 60_000,
    lastSeenAt: now - 1_000,
    expiresAt: expired ? now - 1_000 : now + 3_600_000,
    absoluteExpiresAt: now + 7 * 86_400_000,
  };
}

/** Creates one live session per entry of `owners`; returns their keys in order. */
export async function seedLive(store: Store, owners: readonly (string | null)[]): Promise<string[]> {
  const keys: string[] = [];
  for (const owner of owners) {
    const key = newKey();
    await store.create(key, record(owner));
    keys.push(key);
  }
  return keys;
}
