/**
 * The Redis store's rotation protocol on a real standalone Redis: each interleaving of a rotation
 * with a delete, a deleteByUser, a write and a rival rotation, forced one at a time
 * (`redis-interleavings.ts`); the forwarder's layout; what the user limit does with members whose
 * sessions are gone or half-evicted; round trips of a rotation.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { redisStore } from '../../src/stores/redis.ts';
import { randomKey, randomUserId, sampleRecord } from '../../src/testing/records.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';
import { describeRedisInterleavings, gatedClient } from './redis-interleavings.ts';

const skip = await serviceSkipReason('redis');
const io = skip === undefined ? new Redis(serviceUrls.redis) : undefined;
after(() => io?.quit());

describeRedisInterleavings('redis', () => io as Redis, skip);

describe('redis rotation specifics', skip === undefined ? {} : { skip }, () => {
  const fresh = () => {
    const prefix = `${uniqueName('cc-rr')}:`;
    after(async () => {
      const keys = await (io as Redis).keys(`${prefix}*`);
      if (keys.length > 0) await (io as Redis).del(...keys);
    });
    const gated = gatedClient(io as Redis);
    return { prefix, gated, store: redisStore({ client: gated.client, prefix }) };
  };
  const rotation = (userId: string | null, forwardUntil = Date.now() + 60_000) => {
    const { data: _data, ...record } = sampleRecord({ userId });
    return {
      record,
      patch: { set: {}, del: [] },
      readableUntil: Date.now() + 5_000,
      forwardWrites: false,
      forwardUntil,
    };
  };

  it('leaves a forwarder hash at the old key (PEXPIREAT forwardUntil) that count and scan skip', async () => {
    const { prefix, store } = fresh();
    const [oldKey, newKey, userId] = [randomKey(), randomKey(), randomUserId()];
    await store.create(oldKey, sampleRecord({ userId }));
    const spec = rotation(userId);
    assert.equal(await store.rotate(oldKey, newKey, spec), 'rotated');
    const name = `${prefix}s:${oldKey}`;
    assert.deepStrictEqual(await (io as Redis).hgetall(name), {
      'f:s': newKey,
      'f:r': String(spec.readableUntil),
      'f:w': '0',
      'f:u': userId,
    });
    assert.equal(Number(await (io as Redis).call('PEXPIRETIME', name)), spec.forwardUntil);
    assert.equal(await store.count(), 1);
    const scanned: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.scan({ cursor, limit: 100 });
      scanned.push(...page.entries.map((entry) => entry.key));
      cursor = page.cursor;
    } while (cursor !== undefined);
    assert.deepStrictEqual(scanned, [newKey]);
    // Still a member of its owner's set (deleteByUser must find it), though never listed.
    assert.deepStrictEqual(
      (await (io as Redis).zrange(`${prefix}u:${userId}`, '0', '-1')).sort(),
      [newKey, oldKey].sort(),
    );
    assert.deepStrictEqual(
      (await store.listByUser(userId)).map((entry) => entry.key),
      [newKey],
    );
  });

  it('revoking the old owner ends what a login rotated its session to (through the forwarder)', async () => {
    const { store } = fresh();
    const [before, after2] = [randomUserId(), randomUserId()];
    const [oldKey, newKey] = [randomKey(), randomKey()];
    await store.create(oldKey, sampleRecord({ userId: before }));
    assert.equal(await store.rotate(oldKey, newKey, rotation(after2)), 'rotated');
    assert.equal(await store.deleteByUser(before), 1);
    assert.equal(await store.get(newKey), undefined);
    assert.deepStrictEqual(await store.listByUser(after2), []);
  });

  it('a limit drops members whose sessions are gone (their hashes are written before they are indexed)', async () => {
    const { prefix, store } = fresh();
    const userId = randomUserId();
    const [vanished, kept, fresher] = [randomKey(), randomKey(), randomKey()];
    for (const key of [vanished, kept]) await store.create(key, sampleRecord({ userId }));
    await (io as Redis).del(`${prefix}s:${vanished}`); // as if Redis expired it
    const limit = { max: 2, onLimit: 'reject' } as const;
    assert.equal(await store.create(fresher, sampleRecord({ userId }), limit), true);
    assert.deepStrictEqual(
      (await (io as Redis).zrange(`${prefix}u:${userId}`, '0', '-1')).sort(),
      [fresher, kept].sort(),
    );
    assert.equal(await store.create(randomKey(), sampleRecord({ userId }), limit), 'limit');
  });

  it('a limit counts, then ends, a victim whose evictor died before ending it', async () => {
    const { prefix, store } = fresh();
    const userId = randomUserId();
    const [halfEvicted, kept, fresher] = [randomKey(), randomKey(), randomKey()];
    for (const key of [halfEvicted, kept]) await store.create(key, sampleRecord({ userId }));
    await (io as Redis).zadd(`${prefix}u:${userId}`, '-1', halfEvicted); // marked long ago, never ended
    assert.equal(await store.create(fresher, sampleRecord({ userId }), { max: 2, onLimit: 'reject' }), true);
    assert.equal(await store.get(halfEvicted), undefined, 'the stale eviction was carried out');
    assert.ok(await store.get(kept));
    assert.deepStrictEqual(
      (await store.listByUser(userId)).map((entry) => entry.key).sort(),
      [fresher, kept].sort(),
    );
  });

  it('sends 3 commands for an anonymous rotation, 4 with a user, 1 per hop for a read in the grace window', async () => {
    const { gated, store } = fresh();
    const count = async (step: () => Promise<unknown>) => {
      gated.sent.length = 0;
      await step();
      return gated.sent.length;
    };
    // A first pass loads the scripts (another test may have flushed them: EVALSHA then EVAL).
    for (const userId of [null, randomUserId()]) {
      const k = randomKey();
      await store.create(k, sampleRecord({ userId }));
      await store.rotate(k, randomKey(), rotation(userId));
    }
    const [anon, anonNext, owned, ownedNext] = [randomKey(), randomKey(), randomKey(), randomKey()];
    const userId = randomUserId();
    await store.create(anon, sampleRecord());
    await store.create(owned, sampleRecord({ userId }));
    assert.equal(await count(() => store.rotate(anon, anonNext, rotation(null))), 3);
    assert.equal(await count(() => store.rotate(owned, ownedNext, rotation(userId))), 4);
    assert.equal(await count(() => store.get(anonNext)), 1);
    assert.equal(await count(() => store.get(anon)), 2);
  });
});
