/**
 * Record factories and helpers shared by the conformance suite and by store tests.
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { NewStoreRecord, Store, StoreRecord } from '../core/store.ts';

/** A fresh store key shaped like the ones core hands to stores: 43 base64url characters (256 random bits). */
export function randomKey(): string {
  return randomBytes(32).toString('base64url');
}

/** A user id unique to the caller, so user-index tests never see another test's sessions. */
export function randomUserId(): string {
  return `user-${randomBytes(9).toString('base64url')}`;
}

/** One hour, the default idle window of {@link sampleRecord}. */
const HOUR = 3_600_000;

/**
 * A valid {@link NewStoreRecord} that is live now: created a few ms ago with sub-second precision
 * (so a store that rounds to seconds fails the round-trip check), expiring in one hour, absolutely
 * in one day. `overrides` replace individual fields.
 *
 * @example
 * await store.create(randomKey(), sampleRecord({ userId: 'u1', data: { cart: '["sku-1"]' } }));
 */
export function sampleRecord(overrides: Partial<NewStoreRecord> = {}): NewStoreRecord {
  const now = Date.now();
  // Odd milliseconds on every instant: catches stores that truncate to seconds.
  const createdAt = now - 1_237;
  return {
    data: { greeting: '"hello"', count: '1' },
    userId: null,
    createdAt,
    lastSeenAt: now - 211,
    expiresAt: now + HOUR + 123,
    absoluteExpiresAt: now + 24 * HOUR + 457,
    ...overrides,
  };
}

/** A record that is already dead: its `expiresAt` lies `agoMs` (default 60 s) in the past. */
export function expiredRecord(overrides: Partial<NewStoreRecord> = {}, agoMs = 60_000): NewStoreRecord {
  const now = Date.now();
  return sampleRecord({
    createdAt: now - 2 * HOUR - 17,
    lastSeenAt: now - HOUR - 5,
    expiresAt: now - agoMs,
    ...overrides,
  });
}

/**
 * A plain, comparable copy of a record: exactly the seven contract fields, `data` as an ordinary
 * object. Lets `assert.deepStrictEqual` compare records from stores that use null-prototype or
 * frozen objects, while a missing field, an extra data key or a number returned as a string still fails.
 */
export function plainRecord(record: StoreRecord): StoreRecord {
  return {
    data: Object.fromEntries(Object.entries(record.data)),
    userId: record.userId,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
    absoluteExpiresAt: record.absoluteExpiresAt,
    rev: record.rev,
  };
}

/** The record a store must return right after `create(key, record)`. */
export function asCreated(record: NewStoreRecord): StoreRecord {
  return plainRecord({ ...record, rev: 1 });
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Asserts that `key` reads as dead: missing, or, for a store that `reportsExpired`, the record
 * itself with its deadline passed (core reports and deletes it).
 */
export async function assertDead(store: Store, key: string): Promise<void> {
  const record = await store.get(key);
  if (record === undefined) return;
  assert.ok(store.reportsExpired === true, 'only a store that reportsExpired may return an expired record');
  assert.ok(record.expiresAt <= Date.now(), 'the record returned must be expired');
}
