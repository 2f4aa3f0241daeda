/**
 * Conformance tests for the optional `updateData` (blind writes): the patch lands only on a live
 * record, in the same step as the live check, and leaves the window, owner and deadlines alone.
 */
import assert from 'node:assert/strict';
import type { Store, StoreDataPatch } from '../core/store.ts';
import { rotationOf } from './conformance-rotation.ts';
import type { SuiteContext } from './harness.ts';
import { expiredRecord, randomKey, sampleRecord } from './records.ts';

function blind(store: Store, key: string, patch: StoreDataPatch): Promise<boolean> {
  return store.updateData!(key, patch);
}

export function registerDataUpdate({ storeTest, resolutionMs }: SuiteContext, offered: boolean): void {
  if (!offered) return;

  storeTest('updateData applies the patch and keeps the window, owner and deadlines', async (store) => {
    const key = randomKey();
    const record = sampleRecord({ userId: 'u-blind', data: { keep: '"k"', drop: '"d"' } });
    await store.create(key, record);
    assert.equal(await blind(store, key, { set: { added: '"a"' }, del: ['drop'] }), true);
    const after = await store.get(key);
    assert.deepEqual({ ...after?.data }, { keep: '"k"', added: '"a"' });
    assert.equal(after?.rev, 2);
    assert.equal(after?.userId, 'u-blind');
    assert.equal(after?.expiresAt, record.expiresAt);
    assert.equal(after?.lastSeenAt, record.lastSeenAt);
    assert.equal(after?.absoluteExpiresAt, record.absoluteExpiresAt);
    assert.equal(after?.createdAt, record.createdAt);
  });

  storeTest('updateData on a missing or deleted key is false and creates nothing', async (store) => {
    const missing = randomKey();
    assert.equal(await blind(store, missing, { set: { a: '1' }, del: [] }), false);
    assert.equal(await store.get(missing), undefined);
    const deleted = randomKey();
    await store.create(deleted, sampleRecord());
    await store.delete(deleted);
    assert.equal(await blind(store, deleted, { set: { a: '1' }, del: [] }), false);
    assert.equal(await store.get(deleted), undefined);
  });

  storeTest('updateData on an expired record is false and writes nothing', async (store) => {
    const key = randomKey();
    await store.create(key, expiredRecord());
    assert.equal(await blind(store, key, { set: { a: '1' }, del: [] }), false);
    const dead = await store.get(key);
    // A store that reports expired records may still return it, unchanged and dead.
    assert.ok(dead === undefined || (dead.expiresAt <= Date.now() && dead.data.a === undefined));
    // Live at create, dead by the write: the live check is the store's, at write time.
    const soon = randomKey();
    const now = Date.now();
    await store.create(soon, sampleRecord({ expiresAt: now + resolutionMs + 50, lastSeenAt: now }));
    await new Promise((resolve) => setTimeout(resolve, resolutionMs * 2 + 100));
    assert.equal(await blind(store, soon, { set: { a: '1' }, del: [] }), false);
  });

  storeTest('updateData through a rotated-away key follows forwardWrites', async (store) => {
    const [old, moved] = [randomKey(), randomKey()];
    await store.create(old, sampleRecord());
    assert.equal(await store.rotate(old, moved, rotationOf()), 'rotated');
    assert.equal(await blind(store, old, { set: { late: '"1"' }, del: [] }), true);
    assert.equal((await store.get(moved))?.data.late, '"1"');
    const [planted, loggedIn] = [randomKey(), randomKey()];
    await store.create(planted, sampleRecord());
    assert.equal(await store.rotate(planted, loggedIn, rotationOf({ forwardWrites: false })), 'rotated');
    assert.equal(await blind(store, planted, { set: { evil: '"1"' }, del: [] }), false);
    assert.equal((await store.get(loggedIn))?.data.evil, undefined);
  });

  storeTest('parallel updateData calls on different keys both survive', async (store) => {
    const key = randomKey();
    await store.create(key, sampleRecord({ data: {} }));
    const writes = Array.from({ length: 10 }, (_, i) =>
      blind(store, key, { set: { [`k${i}`]: String(i) }, del: [] }),
    );
    assert.deepEqual(await Promise.all(writes), Array(10).fill(true));
    const after = await store.get(key);
    assert.equal(Object.keys(after?.data ?? {}).length, 10);
    assert.equal(after?.rev, 11);
  });
}
