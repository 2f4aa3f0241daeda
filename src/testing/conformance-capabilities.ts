/**
 * Conformance tests for the optional capabilities: the per-user index, purgeExpired and count.
 */
import assert from 'node:assert/strict';
import { type Store, type StoreEntry, storeCapabilities } from '../core/store.ts';
import { patchOf } from './conformance-basics.ts';
import type { SuiteContext } from './harness.ts';
import { asCreated, expiredRecord, plainRecord, randomKey, randomUserId, sampleRecord } from './records.ts';

type IndexedStore = Store & Required<Pick<Store, 'listByUser' | 'deleteByUser'>>;

function indexed(store: Store): IndexedStore {
  assert.equal(storeCapabilities(store).userIndex, true, 'the store stopped offering the user index');
  return store as IndexedStore;
}

/** Entries sorted by key, records made comparable. */
function sortedEntries(entries: StoreEntry[]): StoreEntry[] {
  return entries
    .map((entry) => ({ key: entry.key, record: plainRecord(entry.record) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function listedKeys(store: IndexedStore, userId: string): Promise<string[]> {
  return sortedEntries(await store.listByUser(userId)).map((entry) => entry.key);
}

/** Creates `n` live sessions of `userId`; returns their keys sorted. */
async function sessionsOf(store: Store, userId: string, n: number): Promise<string[]> {
  const keys = Array.from({ length: n }, randomKey);
  for (const key of keys) assert.equal(await store.create(key, sampleRecord({ userId })), true);
  return keys.sort();
}

export function registerUserIndex({ storeTest }: SuiteContext, offered: boolean): void {
  if (!offered) {
    storeTest('user index not offered', async (store) => {
      assert.equal(storeCapabilities(store).userIndex, false);
      assert.equal(store.listByUser, undefined, 'listByUser without deleteByUser is half an index');
      assert.equal(store.deleteByUser, undefined, 'deleteByUser without listByUser is half an index');
    });
    return;
  }

  storeTest('listByUser returns exactly the live sessions of that user, with their records', async (s) => {
    const store = indexed(s);
    const [u1, u2] = [randomUserId(), randomUserId()];
    const [a, b, c, other, anon, dead] = Array.from({ length: 6 }, randomKey) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const recordA = sampleRecord({ userId: u1, data: { a: '1' } });
    const recordB = sampleRecord({ userId: u1, data: { b: '2' } });
    await store.create(a, recordA);
    await store.create(b, recordB);
    await store.create(c, sampleRecord({ userId: u1 }));
    await store.create(other, sampleRecord({ userId: u2 }));
    await store.create(anon, sampleRecord());
    await store.create(dead, expiredRecord({ userId: u1 }));
    await store.delete(c);
    const expected = sortedEntries([
      { key: a, record: asCreated(recordA) },
      { key: b, record: asCreated(recordB) },
    ]);
    assert.deepStrictEqual(sortedEntries(await store.listByUser(u1)), expected);
    assert.deepStrictEqual(await listedKeys(store, u2), [other]);
    assert.deepStrictEqual(await store.listByUser(randomUserId()), []);
  });

  storeTest('an update that changes userId moves the session between users; null removes it', async (s) => {
    const store = indexed(s);
    const [u1, u2] = [randomUserId(), randomUserId()];
    const key = randomKey();
    await store.create(key, sampleRecord());
    assert.equal(await store.update(key, patchOf({}, [], { userId: u1 })), true);
    assert.deepStrictEqual(await listedKeys(store, u1), [key]);
    await store.update(key, patchOf({ x: '1' }));
    assert.deepStrictEqual(await listedKeys(store, u1), [key], 'userId undefined keeps the owner');
    await store.update(key, patchOf({}, [], { userId: u2 }));
    assert.deepStrictEqual(await listedKeys(store, u1), []);
    const [entry] = await store.listByUser(u2);
    assert.equal(entry?.key, key);
    assert.equal(entry?.record.rev, 4);
    assert.equal(entry?.record.data.x, '1');
    await store.update(key, patchOf({}, [], { userId: null }));
    assert.deepStrictEqual(await listedKeys(store, u2), []);
    assert.deepStrictEqual(await listedKeys(store, u1), []);
  });

  storeTest('deleteByUser removes all of that user and returns the count; no resurrection', async (s) => {
    const store = indexed(s);
    const [u1, u2] = [randomUserId(), randomUserId()];
    const mine = await sessionsOf(store, u1, 3);
    const theirs = await sessionsOf(store, u2, 1);
    assert.equal(await store.deleteByUser(u1), 3);
    for (const key of mine) assert.equal(await store.get(key), undefined);
    assert.deepStrictEqual(await listedKeys(store, u1), []);
    assert.deepStrictEqual(await listedKeys(store, u2), theirs);
    assert.equal(await store.update(mine[0] ?? '', patchOf({ late: '1' })), false);
    assert.equal(await store.get(mine[0] ?? ''), undefined);
    assert.equal(await store.deleteByUser(u1), 0);
  });

  storeTest('deleteByUser with exceptKey keeps that one session', async (s) => {
    const store = indexed(s);
    const user = randomUserId();
    const keys = await sessionsOf(store, user, 3);
    const keep = keys[1] ?? '';
    assert.equal(await store.deleteByUser(user, keep), 2);
    assert.deepStrictEqual(await listedKeys(store, user), [keep]);
    assert.notEqual(await store.get(keep), undefined);
    assert.equal(await store.get(keys[0] ?? ''), undefined);
    assert.equal(await store.get(keys[2] ?? ''), undefined);
  });
}

/**
 * purgeExpired: expired records must be gone and live ones kept. The returned number must be at
 * least the expired records this test created when the store demonstrably held them (its `count`
 * grew by them); a store whose backend drops them itself (native TTL) may return 0.
 */
export function registerPurgeAndCount({ storeTest }: SuiteContext, purge: boolean, count: boolean): void {
  if (purge) {
    storeTest('purgeExpired removes expired records and keeps live ones', async (store) => {
      const before = count ? await store.count?.() : undefined;
      const dead = [randomKey(), randomKey()];
      for (const key of dead) await store.create(key, expiredRecord());
      const live = randomKey();
      const liveRecord = sampleRecord();
      await store.create(live, liveRecord);
      const held = before === undefined ? undefined : ((await store.count?.()) ?? 0) - before;
      const removed = await store.purgeExpired?.();
      assert.ok(Number.isInteger(removed) && (removed ?? -1) >= 0, `purgeExpired returned ${removed}`);
      if (held === 3)
        assert.ok((removed ?? 0) >= 2, `the store held 2 expired records but purged ${removed}`);
      for (const key of dead) assert.equal(await store.get(key), undefined);
      const kept = await store.get(live);
      assert.deepStrictEqual(kept && plainRecord(kept), asCreated(liveRecord));
      if (held === 3 && before !== undefined) assert.ok(((await store.count?.()) ?? 0) <= before + 1);
    });
  }
  if (count) {
    storeTest('count reflects creates and deletes', async (store) => {
      const base = (await store.count?.()) ?? Number.NaN;
      assert.ok(Number.isInteger(base) && base >= 0, `count returned ${base}`);
      const [a, b] = [randomKey(), randomKey()];
      await store.create(a, sampleRecord());
      await store.create(b, sampleRecord());
      assert.equal(await store.count?.(), base + 2);
      await store.delete(a);
      assert.equal(await store.count?.(), base + 1);
    });
  }
}
