import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes } from '../../src/core/errors.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { describeStoreConformance, randomKey, randomUserId, sampleRecord } from '../../src/testing/index.ts';

describeStoreConformance({ name: 'memory', createStore: () => memoryStore() });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A store on a hand-driven clock; records expire relative to `clock.now`. */
function clockedStore(options: { sweepIntervalMs?: number; maxEntries?: number } = {}) {
  const clock = { now: 1_700_000_000_000 };
  const store = memoryStore({ ...options, now: () => clock.now });
  const record = (expiresInMs: number, userId: string | null = null) =>
    sampleRecord({ userId, createdAt: clock.now, lastSeenAt: clock.now, expiresAt: clock.now + expiresInMs });
  return { clock, store, record };
}

describe('memory store specifics', () => {
  it('a full store evicts its least recently used 1 % in one pass (at least one), never more than needed for the rest', async () => {
    const store = memoryStore({ maxEntries: 300 });
    const keys = Array.from({ length: 300 }, () => randomKey());
    for (const key of keys) assert.equal(await store.create(key, sampleRecord()), true);
    assert.ok(await store.get(keys[0]!), 'key 0 used again: now the most recently used');
    const extra = randomKey();
    assert.equal(await store.create(extra, sampleRecord()), true);
    assert.equal(await store.count(), 298, '3 evicted (1 % of 300), 1 added');
    for (const key of keys.slice(1, 4))
      assert.equal(await store.get(key), undefined, 'least recently used: evicted');
    for (const key of [keys[0]!, keys[4]!, extra]) assert.ok(await store.get(key), 'kept');
    assert.equal(await store.create(randomKey(), sampleRecord()), true);
    assert.equal(await store.count(), 299, 'room left: nothing evicted');
  });

  it('evicts the least recently used record at maxEntries; a read counts as use', async () => {
    const store = memoryStore({ maxEntries: 3 });
    const [a, b, c, d] = [randomKey(), randomKey(), randomKey(), randomKey()];
    for (const key of [a, b, c]) assert.equal(await store.create(key, sampleRecord()), true);
    assert.ok(await store.get(a));
    assert.equal(await store.create(d, sampleRecord()), true);
    assert.equal(await store.count(), 3);
    assert.equal(await store.get(b), undefined, 'b was the least recently used');
    for (const key of [a, c, d]) assert.ok(await store.get(key), 'recently used records are kept');
    await store.close();
  });

  it('update and touch count as use for eviction', async () => {
    const store = memoryStore({ maxEntries: 2 });
    const [a, b, c, d] = [randomKey(), randomKey(), randomKey(), randomKey()];
    await store.create(a, sampleRecord());
    await store.create(b, sampleRecord());
    const now = Date.now();
    assert.equal(
      await store.update(a, { set: { x: '1' }, del: [], lastSeenAt: now, expiresAt: now + 60_000 }),
      true,
    );
    await store.create(c, sampleRecord());
    assert.equal(await store.get(b), undefined, 'b was evicted, not the updated a');
    assert.equal(await store.touch(a, { lastSeenAt: now, expiresAt: now + 60_000 }), true);
    await store.create(d, sampleRecord());
    assert.equal(await store.get(c), undefined, 'c was evicted, not the touched a');
    assert.ok(await store.get(a));
    await store.close();
  });

  it('eviction cleans the user index: a key reused by another user is not listed under the old one', async () => {
    const store = memoryStore({ maxEntries: 2 });
    const [u1, u2] = [randomUserId(), randomUserId()];
    const [shared, other, third] = [randomKey(), randomKey(), randomKey()];
    await store.create(shared, sampleRecord({ userId: u1 }));
    await store.create(other, sampleRecord());
    await store.create(third, sampleRecord());
    assert.equal(await store.get(shared), undefined, 'shared was evicted');
    assert.deepStrictEqual(await store.listByUser(u1), []);
    await store.create(shared, sampleRecord({ userId: u2 }));
    assert.deepStrictEqual(await store.listByUser(u1), []);
    assert.deepStrictEqual(
      (await store.listByUser(u2)).map((entry) => entry.key),
      [shared],
    );
    assert.equal(await store.deleteByUser(u1), 0);
    assert.ok(await store.get(shared), 'deleteByUser of the old owner must not touch the new record');
    await store.close();
  });

  it('the sweep timer removes expired records without any read', async () => {
    const { clock, store, record } = clockedStore({ sweepIntervalMs: 10 });
    await store.create(randomKey(), record(1_000));
    const live = randomKey();
    await store.create(live, record(3_600_000));
    await sleep(40);
    assert.equal(await store.count(), 2, 'nothing has expired yet');
    clock.now += 2_000;
    await sleep(60);
    assert.equal(await store.count(), 1);
    assert.ok(await store.get(live));
    await store.close();
  });

  it('close() clears the sweep timer', async () => {
    const { clock, store, record } = clockedStore({ sweepIntervalMs: 10 });
    await store.create(randomKey(), record(1_000));
    await store.close();
    clock.now += 2_000;
    await sleep(60);
    assert.equal(await store.count(), 1, 'a sweep ran after close()');
  });

  it('expiry follows the injected clock', async () => {
    const { clock, store, record } = clockedStore({ sweepIntervalMs: 0 });
    const key = randomKey();
    await store.create(key, record(1_000));
    clock.now += 999;
    assert.ok(await store.get(key));
    clock.now += 1;
    const expired = await store.get(key);
    assert.ok(expired && expired.expiresAt <= clock.now, 'expiresAt <= now is dead, and reported as such');
    assert.equal(await store.touch(key, { lastSeenAt: clock.now, expiresAt: clock.now + 5000 }), false);
    assert.equal(await store.count(), 0, 'a write attempt on an expired record removes it');
  });

  it('hands out frozen records and keeps no reference to the caller’s objects', async () => {
    const store = memoryStore();
    const key = randomKey();
    const data: Record<string, string> = { a: '1' };
    await store.create(key, sampleRecord({ data }));
    data.a = 'changed';
    const record = await store.get(key);
    assert.ok(record);
    assert.equal(record.data.a, '1');
    assert.ok(Object.isFrozen(record) && Object.isFrozen(record.data));
    assert.throws(() => {
      (record.data as Record<string, string>).a = 'mutated';
    }, TypeError);
    const set: Record<string, string> = { b: '2' };
    const now = Date.now();
    await store.update(key, { set, del: [], lastSeenAt: now, expiresAt: now + 60_000 });
    set.b = 'changed';
    assert.equal((await store.get(key))?.data.b, '2');
    await store.close();
  });

  it('keeps a __proto__ data key as an ordinary key', async () => {
    const store = memoryStore();
    const key = randomKey();
    await store.create(
      key,
      sampleRecord({ data: JSON.parse('{"__proto__":"1"}') as Record<string, string> }),
    );
    const now = Date.now();
    await store.update(key, {
      set: JSON.parse('{"__proto__":"2"}'),
      del: [],
      lastSeenAt: now,
      expiresAt: now + 1e6,
    });
    const record = await store.get(key);
    assert.deepStrictEqual(Object.entries(record?.data ?? {}), [['__proto__', '2']]);
    assert.equal(Object.getPrototypeOf(record?.data), Object.prototype);
    await store.close();
  });

  it('rejects invalid options with COATCHECK_CONFIG', () => {
    for (const options of [
      { maxEntries: 0 },
      { maxEntries: 1.5 },
      { sweepIntervalMs: -1 },
      { sweepIntervalMs: Number.NaN },
    ]) {
      assert.throws(() => memoryStore(options), { code: ErrorCodes.CONFIG });
    }
  });
});
