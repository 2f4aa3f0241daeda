/**
 * Conformance tests for the lifecycle rules of the Store contract: rotation, what a rotated-away
 * key still does, endings that follow a rotation, and user limits. The races run real parallel
 * calls, many rounds, with random small delays so that every order the backend allows is tried.
 */
import assert from 'node:assert/strict';
import type { Store, StoreRotation, UserLimit } from '../core/store.ts';
import { patchOf } from './conformance-basics.ts';
import type { SuiteContext } from './harness.ts';
import { plainRecord, randomKey, randomUserId, sampleRecord, sleep } from './records.ts';

/** Rounds of each race: enough to hit the interleavings a 1 ms jitter allows, bounded in time. */
const RACE_ROUNDS = 25;

/** A rotation that keeps the old record's owner and times, forwards writes, and no grace window. */
export function rotationOf(
  overrides: Partial<StoreRotation> = {},
  userId: string | null = null,
): StoreRotation {
  const now = Date.now();
  const { data: _data, ...record } = sampleRecord({ userId });
  return {
    record,
    patch: { set: { rotated: '"yes"' }, del: [] },
    readableUntil: now,
    forwardWrites: true,
    forwardUntil: now + 60_000,
    ...overrides,
  };
}

/** Whether `key` reads as a live session. */
async function isLive(store: Store, key: string): Promise<boolean> {
  const record = await store.get(key);
  return record !== undefined && record.expiresAt > Date.now();
}

/**
 * The data `get(key)` answers, as a plain object: stores may hand out null-prototype data (so a
 * `__proto__` key stays a plain key), which the contract allows and deepStrictEqual would reject.
 */
async function dataOf(store: Store, key: string): Promise<Record<string, string> | undefined> {
  const record = await store.get(key);
  return record && plainRecord(record).data;
}

function jitter(): Promise<void> {
  return sleep(Math.floor(Math.random() * 3));
}

export function registerRotation({ storeTest }: SuiteContext): void {
  storeTest(
    'rotate moves the current data, with the patch applied, to the new key; the old key dies',
    async (store) => {
      const [oldKey, newKey] = [randomKey(), randomKey()];
      await store.create(oldKey, sampleRecord({ data: { a: '1', gone: '2' } }));
      // Written after the rotating request loaded: the rotation must carry it over.
      assert.equal(await store.update(oldKey, patchOf({ b: '3' })), true);
      const rotation = rotationOf({ patch: { set: { c: '4' }, del: ['gone'] } });
      assert.equal(await store.rotate(oldKey, newKey, rotation), 'rotated');
      assert.equal(await store.get(oldKey), undefined, 'the old key reads as missing');
      const moved = await store.get(newKey);
      assert.ok(moved, 'the new key holds the session');
      assert.deepStrictEqual(plainRecord(moved), {
        ...rotation.record,
        data: { a: '1', b: '3', c: '4' },
        rev: 1,
      });
      assert.equal(
        await store.touch(oldKey, { lastSeenAt: Date.now(), expiresAt: Date.now() + 60_000 }),
        false,
      );
    },
  );

  storeTest(
    'rotate of a missing or expired key is gone; of a rotated key superseded; nothing is created',
    async (store) => {
      const [missing, expired, rotated] = [randomKey(), randomKey(), randomKey()];
      const targets = [randomKey(), randomKey(), randomKey(), randomKey()] as const;
      assert.equal(await store.rotate(missing, targets[0], rotationOf()), 'gone');
      await store.create(expired, sampleRecord({ expiresAt: Date.now() - 1000 }));
      assert.equal(await store.rotate(expired, targets[1], rotationOf()), 'gone');
      await store.create(rotated, sampleRecord());
      assert.equal(await store.rotate(rotated, targets[2], rotationOf()), 'rotated');
      assert.equal(await store.rotate(rotated, targets[3], rotationOf()), 'superseded');
      for (const key of [targets[0], targets[1], targets[3]]) assert.equal(await store.get(key), undefined);
      assert.equal(await store.create(rotated, sampleRecord()), false, 'a rotated-away key is still taken');
    },
  );

  storeTest('20 parallel rotations of one key: exactly one wins, one live key', async (store) => {
    const oldKey = randomKey();
    await store.create(oldKey, sampleRecord());
    const newKeys = Array.from({ length: 20 }, () => randomKey());
    const outcomes = await Promise.all(newKeys.map((key) => store.rotate(oldKey, key, rotationOf())));
    assert.equal(outcomes.filter((o) => o === 'rotated').length, 1, `outcomes: ${outcomes.join(',')}`);
    assert.ok(
      outcomes.every((o) => o === 'rotated' || o === 'superseded'),
      `outcomes: ${outcomes.join(',')}`,
    );
    const live = [];
    for (const key of [oldKey, ...newKeys]) if (await isLive(store, key)) live.push(key);
    assert.deepStrictEqual(live, [newKeys[outcomes.indexOf('rotated')]]);
  });

  storeTest(
    'writes through a rotated key land on the new record; after a login rotation they are refused',
    async (store) => {
      const [plain, plainNext, login, loginNext] = [randomKey(), randomKey(), randomKey(), randomKey()];
      await store.create(plain, sampleRecord({ data: {} }));
      await store.rotate(plain, plainNext, rotationOf({ patch: { set: {}, del: [] } }));
      assert.equal(await store.update(plain, patchOf({ late: '1' })), true);
      assert.deepStrictEqual(await dataOf(store, plainNext), { late: '1' });
      await store.create(login, sampleRecord({ data: {} }));
      await store.rotate(login, loginNext, rotationOf({ forwardWrites: false, patch: { set: {}, del: [] } }));
      assert.equal(await store.update(login, patchOf({ planted: '1' })), false);
      assert.deepStrictEqual(await dataOf(store, loginNext), {}, 'the logged-in session is untouched');
    },
  );

  storeTest('50 writes racing a rotation: every one is stored on the new key', async (store) => {
    const [oldKey, newKey] = [randomKey(), randomKey()];
    await store.create(oldKey, sampleRecord({ data: {} }));
    const writes = Array.from({ length: 50 }, async (_, i) => {
      await sleep(i % 5);
      return store.update(oldKey, patchOf({ [`k${i}`]: String(i) }));
    });
    const rotation = (async () => {
      await sleep(2);
      return store.rotate(oldKey, newKey, rotationOf({ patch: { set: {}, del: [] } }));
    })();
    const [outcome, ...results] = await Promise.all([rotation, ...writes]);
    assert.equal(outcome, 'rotated');
    assert.deepStrictEqual(results, Array(50).fill(true), 'every write was applied somewhere live');
    const data = (await store.get(newKey))?.data ?? {};
    const missing = results.map((_, i) => `k${i}`).filter((k) => data[k] !== String(Number(k.slice(1))));
    assert.deepStrictEqual(missing, [], 'every acknowledged write is on the new key');
  });

  storeTest('with a grace window the old key reads the new record, then reads as missing', async (store) => {
    const [oldKey, newKey] = [randomKey(), randomKey()];
    await store.create(oldKey, sampleRecord({ data: { a: '1' } }));
    await store.rotate(oldKey, newKey, rotationOf({ readableUntil: Date.now() + 600 }));
    assert.equal(await store.update(newKey, patchOf({ b: '2' })), true);
    assert.deepStrictEqual(await dataOf(store, oldKey), { a: '1', rotated: '"yes"', b: '2' });
    await sleep(900);
    assert.equal(await store.get(oldKey), undefined);
    assert.ok(await isLive(store, newKey));
  });

  storeTest('delete of a rotated key ends the session it moved to, along the chain', async (store) => {
    const [a, b, c] = [randomKey(), randomKey(), randomKey()];
    await store.create(a, sampleRecord());
    await store.rotate(a, b, rotationOf());
    await store.rotate(b, c, rotationOf());
    assert.equal(await store.delete(a), true);
    for (const key of [a, b, c])
      assert.equal(await store.get(key), undefined, 'nothing of the session is live');
    assert.equal(await store.update(a, patchOf({ late: '1' })), false, 'no resurrection');
  });

  storeTest('of two parallel deletes exactly one removes the record', async (store) => {
    const key = randomKey();
    await store.create(key, sampleRecord());
    const removed = await Promise.all([store.delete(key), store.delete(key)]);
    assert.deepStrictEqual(removed.sort(), [false, true]);
    assert.equal(await store.delete(randomKey()), false);
  });

  storeTest(`delete racing a rotation leaves nothing live, ${RACE_ROUNDS} rounds`, async (store) => {
    for (let round = 0; round < RACE_ROUNDS; round++) {
      const [oldKey, newKey] = [randomKey(), randomKey()];
      await store.create(oldKey, sampleRecord());
      const [outcome] = await Promise.all([
        (async () => {
          if (round % 2 === 0) await jitter();
          return store.rotate(oldKey, newKey, rotationOf());
        })(),
        (async () => {
          if (round % 2 === 1) await jitter();
          return store.delete(oldKey);
        })(),
      ]);
      assert.ok(outcome === 'rotated' || outcome === 'gone', `round ${round}: ${outcome}`);
      assert.equal(await isLive(store, oldKey), false, `round ${round}: old key live`);
      assert.equal(await isLive(store, newKey), false, `round ${round}: new key live after ${outcome}`);
    }
  });
}

export function registerUserLifecycle({ storeTest }: SuiteContext, offered: boolean): void {
  if (!offered) return;

  storeTest(
    `deleteByUser racing a rotation leaves nothing of the user live, ${RACE_ROUNDS} rounds`,
    async (store) => {
      for (let round = 0; round < RACE_ROUNDS; round++) {
        const user = randomUserId();
        const [oldKey, newKey] = [randomKey(), randomKey()];
        await store.create(oldKey, sampleRecord({ userId: user }));
        await Promise.all([
          (async () => {
            if (round % 2 === 0) await jitter();
            return store.rotate(oldKey, newKey, rotationOf({}, user));
          })(),
          (async () => {
            if (round % 2 === 1) await jitter();
            return store.deleteByUser!(user);
          })(),
        ]);
        assert.equal(await isLive(store, oldKey), false, `round ${round}: old key live`);
        assert.equal(await isLive(store, newKey), false, `round ${round}: new key live`);
      }
    },
  );

  storeTest(
    'a rotation moves the session between users in the index; forwarders are not listed',
    async (store) => {
      const [anon, user] = [randomKey(), randomUserId()];
      const newKey = randomKey();
      await store.create(anon, sampleRecord());
      assert.equal(await store.rotate(anon, newKey, rotationOf({ forwardWrites: false }, user)), 'rotated');
      const listed = (await store.listByUser!(user)).map((entry) => entry.key);
      assert.deepStrictEqual(listed, [newKey]);
      const [owned, ownedNext] = [randomKey(), randomKey()];
      const other = randomUserId();
      await store.create(owned, sampleRecord({ userId: other }));
      await store.rotate(owned, ownedNext, rotationOf({}, other));
      assert.deepStrictEqual(
        (await store.listByUser!(other)).map((entry) => entry.key),
        [ownedNext],
      );
      assert.equal(await store.deleteByUser!(other), 1, 'one live session ended');
      assert.equal(await store.get(ownedNext), undefined);
    },
  );

  storeTest('deleteByUser keeps exceptKey even when an older ticket of it forwards to it', async (store) => {
    const user = randomUserId();
    const [older, current, other] = [randomKey(), randomKey(), randomKey()];
    await store.create(older, sampleRecord({ userId: user }));
    await store.rotate(older, current, rotationOf({}, user));
    await store.create(other, sampleRecord({ userId: user }));
    assert.equal(await store.deleteByUser!(user, current), 1, 'only the other device was logged out');
    assert.ok(await isLive(store, current), '"log out other devices" keeps this one');
    assert.equal(await isLive(store, other), false);
  });

  const reject: UserLimit = { max: 5, onLimit: 'reject' };
  storeTest(
    '50 parallel creates for one user with a limit of 5 (reject): exactly 5 succeed',
    async (store) => {
      const user = randomUserId();
      const keys = Array.from({ length: 50 }, () => randomKey());
      const outcomes = await Promise.all(
        keys.map((key) => store.create(key, sampleRecord({ userId: user }), reject)),
      );
      assert.equal(outcomes.filter((o) => o === true).length, 5, `outcomes: ${outcomes.join(',')}`);
      assert.equal(outcomes.filter((o) => o === 'limit').length, 45);
      assert.equal((await store.listByUser!(user)).length, 5);
      assert.equal(
        await store.create(randomKey(), sampleRecord({ userId: null }), reject),
        true,
        'anonymous ignores it',
      );
    },
  );

  storeTest(
    '50 parallel creates for one user with a limit of 5 (evictOldest): at most 5 live',
    async (store) => {
      const user = randomUserId();
      const evict: UserLimit = { max: 5, onLimit: 'evictOldest' };
      const keys = Array.from({ length: 50 }, () => randomKey());
      const outcomes = await Promise.all(
        keys.map((key) => store.create(key, sampleRecord({ userId: user }), evict)),
      );
      assert.deepStrictEqual(outcomes, Array(50).fill(true));
      const live = [];
      for (const key of keys) if (await isLive(store, key)) live.push(key);
      assert.ok(live.length >= 1 && live.length <= 5, `${live.length} live`);
      assert.equal((await store.listByUser!(user)).length, live.length);
    },
  );

  storeTest(
    'evictOldest ends the least recently seen; a rotation at the limit does not count itself',
    async (store) => {
      const user = randomUserId();
      const evict: UserLimit = { max: 2, onLimit: 'evictOldest' };
      const now = Date.now();
      const [oldest, newer, third] = [randomKey(), randomKey(), randomKey()];
      await store.create(oldest, sampleRecord({ userId: user, lastSeenAt: now - 5000 }), evict);
      await store.create(newer, sampleRecord({ userId: user, lastSeenAt: now - 1000 }), evict);
      assert.equal(await store.create(third, sampleRecord({ userId: user }), evict), true);
      assert.equal(await store.get(oldest), undefined, 'the least recently seen was ended');
      assert.ok(await isLive(store, newer));
      const rotated = randomKey();
      const limited = rotationOf({ limit: { max: 2, onLimit: 'reject' } }, user);
      assert.equal(
        await store.rotate(newer, rotated, limited),
        'rotated',
        'the rotated session replaces itself',
      );
      const fourth = randomKey();
      assert.equal(
        await store.create(fourth, sampleRecord({ userId: user }), { max: 2, onLimit: 'reject' }),
        'limit',
      );
      assert.equal(await store.get(fourth), undefined);
      const elsewhere = randomKey();
      await store.create(elsewhere, sampleRecord());
      assert.equal(
        await store.rotate(elsewhere, randomKey(), limited),
        'limit',
        'a login into a full user is refused',
      );
      assert.ok(await isLive(store, elsewhere), 'a refused rotation changes nothing');
    },
  );
}
