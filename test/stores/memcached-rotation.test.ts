/**
 * The memcached store's rotation on a real memcached, one interleaving at a time: a wrapper around
 * a real MemcacheClient holds the rotation's last step (cas old := forwarder) while the test runs
 * the racing operation (a delete, a write, a rival rotation), then lets it go. The randomized
 * races (rotation vs delete, 50 writes vs a rotation) are in the conformance suite.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MemcacheClient } from 'memcache-client';
import { ErrorCodes } from '../../src/core/errors.ts';
import type { StoreRotation } from '../../src/core/store.ts';
import { type MemcachedClientLike, memcachedStore } from '../../src/stores/memcached.ts';
import { randomKey, randomUserId, sampleRecord } from '../../src/testing/records.ts';
import { type Gate, type GateLatch, gate } from '../support/gate.ts';
import { memcachedTestClient } from '../support/memcached-client.ts';
import { serviceSkipReason, uniqueName } from '../support/services.ts';

const skip = await serviceSkipReason('memcached');
const client = memcachedTestClient(skip);

/** The real client, with the next forwarder cas on one key held until the gate opens. */
function gated(real: MemcacheClient) {
  let held: { key: string; latch: GateLatch } | undefined;
  let casCalls = 0;
  const wrapped: MemcachedClientLike = {
    add: (key, value, options) => real.add(key, value, options),
    set: (key, value, options) => real.set(key, value, options),
    gets: (key) => real.gets(key),
    delete: (key) => real.delete(key),
    async cas(key, value, options) {
      casCalls++;
      const parked = held;
      if (parked !== undefined && parked.key === key && value.includes('"f":')) {
        held = undefined;
        await parked.latch.park();
      }
      return real.cas(key, value, options);
    },
  };
  return {
    wrapped,
    casCalls: () => casCalls,
    hold(key: string): Gate {
      const { gate: closed, latch } = gate();
      held = { key, latch };
      return closed;
    },
  };
}

function rotationOf(overrides: Partial<StoreRotation> = {}): StoreRotation {
  const { data: _data, ...record } = sampleRecord();
  const now = Date.now();
  return {
    record,
    patch: { set: { p: '1' }, del: [] },
    readableUntil: now,
    forwardWrites: true,
    forwardUntil: now + 60_000,
    ...overrides,
  };
}

// A protocol that never reaches a gate must fail, not hang.
describe('memcached rotation interleavings', {
  timeout: 20_000,
  ...(skip === undefined ? {} : { skip }),
}, () => {
  const setup = async () => {
    const prefix = `${uniqueName('cc-mr')}:`;
    const gate = gated(client as MemcacheClient);
    const store = memcachedStore({ client: gate.wrapped, prefix });
    const [oldKey, newKey] = [randomKey(), randomKey()];
    await store.create(oldKey, sampleRecord({ data: { a: '1' } }));
    const raw = async (key: string) => (await (client as MemcacheClient).get(`${prefix}${key}`))?.value;
    return { gate, store, oldKey, newKey, raw, held: gate.hold(`${prefix}${oldKey}`) };
  };

  it('a delete between reading the old key and its cas: gone, and the new item is removed', async () => {
    const { store, oldKey, newKey, raw, held } = await setup();
    const rotating = store.rotate(oldKey, newKey, rotationOf());
    await held.reached;
    assert.ok(await raw(newKey), 'the new item was written before the last step');
    assert.equal(await store.delete(oldKey), true);
    held.open();
    assert.equal(await rotating, 'gone');
    assert.equal(await raw(oldKey), undefined);
    assert.equal(await raw(newKey), undefined, 'the new item must not outlive the failed rotation');
  });

  it('a write between reading the old key and its cas: the rotation retries and carries the write', async () => {
    const { store, oldKey, newKey, held } = await setup();
    const rotating = store.rotate(oldKey, newKey, rotationOf());
    await held.reached;
    assert.equal(
      await store.update(oldKey, {
        set: { w: '1' },
        del: [],
        lastSeenAt: Date.now(),
        expiresAt: Date.now() + 60_000,
      }),
      true,
    );
    held.open();
    assert.equal(await rotating, 'rotated');
    assert.deepStrictEqual({ ...(await store.get(newKey))?.data }, { a: '1', w: '1', p: '1' });
    assert.equal(await store.get(oldKey), undefined);
  });

  it('a rival rotation that finishes first: superseded, and its own new item is removed', async () => {
    const { store, oldKey, newKey, raw, held } = await setup();
    const rotating = store.rotate(oldKey, newKey, rotationOf());
    await held.reached;
    const rival = randomKey();
    assert.equal(await store.rotate(oldKey, rival, rotationOf()), 'rotated');
    held.open();
    assert.equal(await rotating, 'superseded');
    assert.equal(await raw(newKey), undefined);
    assert.ok(await store.get(rival));
  });

  it('a delete after the rotation ends the new record through the forwarder (cas, not a blind delete)', async () => {
    const { gate, store, oldKey, newKey, held } = await setup();
    held.open();
    assert.equal(await store.rotate(oldKey, newKey, rotationOf()), 'rotated');
    const before = gate.casCalls();
    assert.equal(await store.delete(oldKey), true);
    assert.equal(gate.casCalls() - before, 2, 'one compare-and-delete per key of the chain');
    assert.equal(await store.get(newKey), undefined);
    assert.equal(
      await store.update(oldKey, {
        set: { late: '1' },
        del: [],
        lastSeenAt: 1,
        expiresAt: Date.now() + 60_000,
      }),
      false,
    );
  });

  it('refuses a user limit with COATCHECK_UNSUPPORTED (no user index), writing nothing', async () => {
    const { store, oldKey } = await setup();
    const limit = { max: 1, onLimit: 'reject' } as const;
    const key = randomKey();
    await assert.rejects(store.create(key, sampleRecord({ userId: randomUserId() }), limit), {
      code: ErrorCodes.UNSUPPORTED,
    });
    assert.equal(await store.get(key), undefined);
    const { data: _data, ...record } = sampleRecord({ userId: randomUserId() });
    await assert.rejects(store.rotate(oldKey, randomKey(), rotationOf({ record, limit })), {
      code: ErrorCodes.UNSUPPORTED,
    });
    assert.ok(await store.get(oldKey), 'the refused rotation changed nothing');
    assert.equal(
      await store.create(randomKey(), sampleRecord(), limit),
      true,
      'anonymous sessions ignore it',
    );
  });
});
