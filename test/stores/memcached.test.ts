/**
 * memcached store on a real memcached: the conformance suite (1 s expiry resolution), then what
 * is specific to memcached (exptime conversion incl. the 30-day rule, item size limit, CAS
 * exhaustion, no user index and core's clear error for it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MemcacheClient } from 'memcache-client';
import { ErrorCodes } from '../../src/core/errors.ts';
import { createSessions } from '../../src/core/sessions.ts';
import { storeCapabilities } from '../../src/core/store.ts';
import { memcachedExptime, memcachedStore } from '../../src/stores/memcached.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { randomKey, sampleRecord } from '../../src/testing/records.ts';
import { memcachedTestClient } from '../support/memcached-client.ts';
import { serviceSkipReason, uniqueName } from '../support/services.ts';

const skip = await serviceSkipReason('memcached');
const client = memcachedTestClient(skip);

const DAY_MS = 86_400_000;

describeStoreConformance({
  name: 'memcached',
  skip,
  expiryResolutionMs: 1000,
  createStore: () => memcachedStore({ client: client as MemcacheClient, prefix: `${uniqueName('cc-mc')}:` }),
});

describe('memcached exptime conversion', () => {
  const now = 1_700_000_000_123;
  it('rounds a relative TTL up to whole seconds plus one, so nothing expires early', () => {
    assert.equal(memcachedExptime(now + 1, now), 2);
    assert.equal(memcachedExptime(now + 1000, now), 2);
    assert.equal(memcachedExptime(now + 1001, now), 3);
    assert.equal(memcachedExptime(now + 2_591_999_000, now), 2_592_000);
  });
  it('sends an absolute Unix time once the TTL exceeds 30 days', () => {
    const expiresAt = now + 40 * DAY_MS + 1;
    assert.equal(memcachedExptime(expiresAt, now), Math.ceil(expiresAt / 1000) + 1);
    assert.ok(memcachedExptime(now + 30 * DAY_MS + 1000, now) > 2_592_000 * 100);
  });
  it('sends -1 (expired), never 0 (no expiry), for a deadline that has passed', () => {
    assert.equal(memcachedExptime(now, now), -1);
    assert.equal(memcachedExptime(now - 5000, now), -1);
  });
});

describe('memcached store specifics', skip === undefined ? {} : { skip }, () => {
  const fresh = (options: { casAttempts?: number; maxItemBytes?: number } = {}) => {
    const prefix = `${uniqueName('cc-mc-x')}:`;
    return { prefix, store: memcachedStore({ client: client as MemcacheClient, prefix, ...options }) };
  };

  it('keeps a session with a 40-day deadline (sent as an absolute time, not as 1970)', async () => {
    const { store } = fresh();
    const key = randomKey();
    const expiresAt = Date.now() + 40 * DAY_MS + 7;
    await store.create(key, sampleRecord({ expiresAt, absoluteExpiresAt: expiresAt + 1 }));
    const record = await store.get(key);
    assert.equal(record?.expiresAt, expiresAt);
    assert.equal(await store.touch(key, { lastSeenAt: Date.now(), expiresAt: expiresAt + 1000 }), true);
    assert.equal((await store.get(key))?.expiresAt, expiresAt + 1000);
  });

  it('stores one JSON item under prefix + key', async () => {
    const { prefix, store } = fresh();
    const key = randomKey();
    await store.create(key, sampleRecord({ data: { a: '1' } }));
    const raw = (await (client as MemcacheClient).get<string>(`${prefix}${key}`)).value;
    assert.deepStrictEqual(JSON.parse(raw).d, { a: '1' });
  });

  it('refuses a session over the item limit with COATCHECK_CODEC, before and at the server', async () => {
    const big = sampleRecord({ data: { blob: 'x'.repeat(1_100_000) } });
    await assert.rejects(
      fresh().store.create(randomKey(), big),
      (error: { code?: string; message?: string }) => {
        return error.code === ErrorCodes.CODEC && /item limit/.test(error.message ?? '');
      },
    );
    // Told the server takes more than it does: the server's refusal is reported the same way.
    const lying = fresh({ maxItemBytes: 4_000_000 }).store;
    await assert.rejects(lying.create(randomKey(), big), { code: ErrorCodes.CODEC });
    const key = randomKey();
    await lying.create(key, sampleRecord());
    await assert.rejects(
      lying.update(key, {
        set: { blob: 'y'.repeat(1_100_000) },
        del: [],
        lastSeenAt: 1,
        expiresAt: Date.now() + 60_000,
      }),
      { code: ErrorCodes.CODEC },
    );
    assert.equal((await lying.get(key))?.rev, 1);
  });

  it('gives up with COATCHECK_CONFLICT when concurrent writers keep winning the CAS race', async () => {
    const { store } = fresh({ casAttempts: 1 });
    const key = randomKey();
    await store.create(key, sampleRecord());
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        store.update(key, {
          set: { [`k${i}`]: '1' },
          del: [],
          lastSeenAt: 1,
          expiresAt: Date.now() + 60_000,
        }),
      ),
    );
    const conflicts = results.filter(
      (r) => r.status === 'rejected' && r.reason?.code === ErrorCodes.CONFLICT,
    );
    const won = results.filter((r) => r.status === 'fulfilled' && r.value === true).length;
    assert.ok(conflicts.length > 0, 'with one attempt, some of 20 concurrent updates must lose');
    assert.equal(conflicts.length + won, 20);
    assert.equal((await store.get(key))?.rev, 1 + won);
  });

  it('offers no user index, and core says so with COATCHECK_UNSUPPORTED', async () => {
    const { store } = fresh();
    assert.deepStrictEqual(storeCapabilities(store), {
      userIndex: false,
      reportsExpired: false,
      purge: true,
      count: false,
      scan: false,
      dataUpdate: false,
    });
    const sessions = createSessions({ store, cookie: { secure: false } });
    await assert.rejects(sessions.listUser('u1'), (error: { code?: string; message?: string }) => {
      return error.code === ErrorCodes.UNSUPPORTED && /memcached/.test(error.message ?? '');
    });
    await assert.rejects(sessions.revokeUser('u1'), { code: ErrorCodes.UNSUPPORTED });
  });

  it('rejects a client without gets/cas and a prefix memcached cannot carry, naming the option', () => {
    assert.throws(() => memcachedStore({ client: {} as never }), /`client`/);
    for (const prefix of ['has space', 'tab\t', 'nl\n', 'x'.repeat(151)]) {
      assert.throws(() => memcachedStore({ client: client as MemcacheClient, prefix }), {
        code: ErrorCodes.CONFIG,
      });
    }
  });
});
