/**
 * The memory store's background sweep starts with the first stored session, not at construction
 * (Workers forbid timers in global scope, where a store is created: test/runtimes runs that for
 * real on workerd), and still removes expired records once it runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { memoryStore } from '../../src/stores/memory.ts';

const record = (at: number) => ({
  data: { n: '1' },
  userId: null,
  createdAt: at,
  lastSeenAt: at,
  expiresAt: at + 10,
  absoluteExpiresAt: at + 10,
});

describe('memory store sweep', () => {
  it('after the first create, the sweep removes expired records without any read', async () => {
    let clock = 1_000_000;
    const store = memoryStore({ sweepIntervalMs: 15, now: () => clock });
    try {
      assert.equal(await store.create('a', record(clock)), true);
      assert.equal(await store.create('b', { ...record(clock), expiresAt: clock + 60_000 }), true);
      clock += 1000;
      assert.equal(await store.count(), 2, 'an expired record stays until swept');
      for (let i = 0; i < 50 && (await store.count()) === 2; i++) await sleep(15);
      assert.equal(await store.count(), 1, 'the sweep removed the expired record');
    } finally {
      await store.close();
    }
  });

  it('after close(), a create starts no sweep', async () => {
    let clock = 1_000_000;
    const store = memoryStore({ sweepIntervalMs: 10, now: () => clock });
    await store.close();
    await store.create('a', record(clock));
    clock += 1000;
    await sleep(60);
    assert.equal(await store.count(), 1, 'nothing swept after close');
  });
});
