/**
 * Conformance tests for the required methods: get, create, update, touch, delete, close.
 */
import assert from 'node:assert/strict';
import type { Store, StorePatch } from '../core/store.ts';
import type { SuiteContext } from './harness.ts';
import {
  asCreated,
  assertDead,
  expiredRecord,
  plainRecord,
  randomKey,
  randomUserId,
  sampleRecord,
} from './records.ts';

/** A patch that sets/deletes the given keys and moves the window forward by a few odd ms. */
export function patchOf(
  set: Record<string, string>,
  del: string[] = [],
  extra: Partial<StorePatch> = {},
): StorePatch {
  const now = Date.now();
  return { set, del, lastSeenAt: now + 3, expiresAt: now + 7_200_000 + 9, ...extra };
}

async function mustGet(store: Store, key: string) {
  const record = await store.get(key);
  assert.ok(record, `expected a live record at ${key}`);
  return plainRecord(record);
}

export function registerBasics({ storeTest }: SuiteContext): void {
  storeTest('get of a missing key resolves undefined', async (store) => {
    assert.equal(await store.get(randomKey()), undefined);
  });

  storeTest(
    'create then get returns exactly the record, rev 1, instants to the millisecond',
    async (store) => {
      const anonymous = sampleRecord({ data: { a: '1', b: '"two"' } });
      const owned = sampleRecord({ userId: randomUserId(), data: {} });
      const [k1, k2] = [randomKey(), randomKey()];
      assert.equal(await store.create(k1, anonymous), true);
      assert.equal(await store.create(k2, owned), true);
      const got1 = await store.get(k1);
      assert.deepStrictEqual(got1 && plainRecord(got1), asCreated(anonymous));
      assert.deepStrictEqual(await mustGet(store, k2), asCreated(owned));
      for (const field of ['createdAt', 'lastSeenAt', 'expiresAt', 'absoluteExpiresAt', 'rev'] as const) {
        assert.equal(typeof got1?.[field], 'number', `${field} must be a number`);
      }
    },
  );

  storeTest('create on a live key returns false and leaves the original unchanged', async (store) => {
    const key = randomKey();
    const original = sampleRecord({ data: { who: '"first"' } });
    assert.equal(await store.create(key, original), true);
    assert.equal(
      await store.create(key, sampleRecord({ data: { who: '"second"' }, userId: 'intruder' })),
      false,
    );
    assert.deepStrictEqual(await mustGet(store, key), asCreated(original));
  });

  storeTest('create on a key whose record is expired succeeds and replaces it', async (store) => {
    const key = randomKey();
    await store.create(key, expiredRecord({ data: { old: '1' } }));
    const fresh = sampleRecord({ data: { fresh: '1' } });
    assert.equal(await store.create(key, fresh), true);
    assert.deepStrictEqual(await mustGet(store, key), asCreated(fresh));
  });

  storeTest('update sets and deletes keys, keeps others, bumps rev and moves the window', async (store) => {
    const key = randomKey();
    const record = sampleRecord({ data: { keep: '"k"', change: '1', drop: 'true' } });
    await store.create(key, record);
    const patch = patchOf({ change: '2', added: '"new"' }, ['drop', 'never-existed']);
    assert.equal(await store.update(key, patch), true);
    assert.deepStrictEqual(await mustGet(store, key), {
      ...asCreated(record),
      data: { keep: '"k"', change: '2', added: '"new"' },
      lastSeenAt: patch.lastSeenAt,
      expiresAt: patch.expiresAt,
      rev: 2,
    });
    assert.equal(await store.update(key, patchOf({ change: '3' })), true);
    assert.equal((await mustGet(store, key)).rev, 3);
  });

  storeTest('update userId: undefined keeps it, a string sets it, null clears it', async (store) => {
    const key = randomKey();
    const [u1, u2] = [randomUserId(), randomUserId()];
    await store.create(key, sampleRecord({ userId: u1 }));
    await store.update(key, patchOf({ x: '1' }));
    assert.equal((await mustGet(store, key)).userId, u1);
    await store.update(key, patchOf({}, [], { userId: u2 }));
    assert.equal((await mustGet(store, key)).userId, u2);
    await store.update(key, patchOf({}, [], { userId: null }));
    assert.equal((await mustGet(store, key)).userId, null);
    await store.update(key, patchOf({}, [], { userId: u1 }));
    assert.equal((await mustGet(store, key)).userId, u1);
  });

  storeTest(
    'update of a missing, deleted or expired record returns false and creates nothing',
    async (store) => {
      const missing = randomKey();
      assert.equal(await store.update(missing, patchOf({ a: '1' })), false);
      assert.equal(await store.get(missing), undefined);

      const deleted = randomKey();
      await store.create(deleted, sampleRecord());
      await store.delete(deleted);
      assert.equal(await store.update(deleted, patchOf({ a: '1' })), false);
      assert.equal(await store.get(deleted), undefined);

      const expired = randomKey();
      await store.create(expired, expiredRecord());
      assert.equal(await store.update(expired, patchOf({ a: '1' })), false);
      await assertDead(store, expired);
    },
  );

  storeTest('touch moves only lastSeenAt and expiresAt; data and rev stay', async (store) => {
    const key = randomKey();
    const record = sampleRecord({ data: { a: '"x"' }, userId: randomUserId() });
    await store.create(key, record);
    await store.update(key, patchOf({ b: '2' }));
    const before = await mustGet(store, key);
    const window = { lastSeenAt: Date.now() + 11, expiresAt: Date.now() + 5_400_000 + 13 };
    assert.equal(await store.touch(key, window), true);
    assert.deepStrictEqual(await mustGet(store, key), { ...before, ...window });
  });

  storeTest(
    'touch of a missing, deleted or expired record returns false and creates nothing',
    async (store) => {
      const window = { lastSeenAt: Date.now(), expiresAt: Date.now() + 3_600_000 };
      const missing = randomKey();
      assert.equal(await store.touch(missing, window), false);
      assert.equal(await store.get(missing), undefined);
      const deleted = randomKey();
      await store.create(deleted, sampleRecord());
      await store.delete(deleted);
      assert.equal(await store.touch(deleted, window), false);
      assert.equal(await store.get(deleted), undefined);
      const expired = randomKey();
      await store.create(expired, expiredRecord());
      assert.equal(await store.touch(expired, window), false);
      await assertDead(store, expired);
    },
  );

  storeTest('delete removes the record and leaves others; deleting a missing key resolves', async (store) => {
    const [gone, kept] = [randomKey(), randomKey()];
    await store.create(gone, sampleRecord());
    const keptRecord = sampleRecord({ data: { kept: '1' } });
    await store.create(kept, keptRecord);
    await store.delete(gone);
    assert.equal(await store.get(gone), undefined);
    assert.deepStrictEqual(await mustGet(store, kept), asCreated(keptRecord));
    await store.delete(gone);
    await store.delete(randomKey());
    assert.deepStrictEqual(await mustGet(store, kept), asCreated(keptRecord));
  });

  storeTest('close resolves, and closing twice does not throw', async (store) => {
    await store.close();
    await store.close();
  });
}
