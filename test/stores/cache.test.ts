import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { ErrorCodes } from '../../src/core/errors.ts';
import type { Store } from '../../src/core/store.ts';
import { cacheStore } from '../../src/stores/cache.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { mysqlStore } from '../../src/stores/mysql.ts';
import { postgresStore } from '../../src/stores/postgres.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { randomKey, sampleRecord } from '../../src/testing/records.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';

const pgSkip = await serviceSkipReason('postgres');
const mySkip = await serviceSkipReason('mysql');
const pgPool = pgSkip === undefined ? new pg.Pool({ connectionString: serviceUrls.postgres }) : undefined;
const myPool = mySkip === undefined ? mysql.createPool({ uri: serviceUrls.mysql }) : undefined;
const pgTable = uniqueName('cc_cache_pg');
const myTable = uniqueName('cc_cache_my');
after(async () => {
  await pgPool?.query(`DROP TABLE IF EXISTS "${pgTable}", "${pgTable}_meta"`);
  await pgPool?.end();
  await myPool?.query(`DROP TABLE IF EXISTS \`${myTable}\`, \`${myTable}_meta\``);
  await myPool?.end();
});

const pgBack = () => postgresStore({ pool: pgPool as pg.Pool, table: pgTable });
const myBack = () => mysqlStore({ pool: myPool as mysql.Pool, table: myTable });

describeStoreConformance({
  name: 'cache(memory→postgres)',
  skip: pgSkip,
  createStore: () => cacheStore({ front: memoryStore(), back: pgBack() }),
});
describeStoreConformance({
  name: 'cache(memory→mysql)',
  skip: mySkip,
  createStore: () => cacheStore({ front: memoryStore(), back: myBack() }),
});

/** Wraps a real store, counting back-store reads and optionally holding them at a gate. */
function observed(inner: Store) {
  const calls: string[] = [];
  let gate: Promise<void> | undefined;
  const store: Store = {
    ...inner,
    name: inner.name,
    async get(key) {
      calls.push('get');
      const record = await inner.get(key);
      await gate;
      return record;
    },
    async update(key, patch) {
      calls.push('update');
      return inner.update(key, patch);
    },
  };
  return {
    store,
    calls,
    hold() {
      let release = () => {};
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

describe('cache store specifics', pgSkip === undefined ? {} : { skip: pgSkip }, () => {
  it('rejects a non-store, a non-positive cacheTtlMs and invalid invalidation clients', () => {
    const front = memoryStore();
    assert.throws(() => cacheStore({ front, back: {} as Store }), { code: ErrorCodes.CONFIG });
    assert.throws(() => cacheStore({ front, back: memoryStore(), cacheTtlMs: 0 }), {
      code: ErrorCodes.CONFIG,
    });
    assert.throws(
      () =>
        cacheStore({
          front,
          back: memoryStore(),
          invalidation: { publisher: {} as never, subscriber: {} as never },
        }),
      { code: ErrorCodes.CONFIG },
    );
  });

  it('serves repeated reads from the front: one back read per miss, none per hit', async () => {
    const back = observed(pgBack());
    const store = cacheStore({ front: memoryStore(), back: back.store });
    const key = randomKey();
    await store.create(key, sampleRecord({ data: { a: '1' } }));
    for (let i = 0; i < 5; i++) assert.equal((await store.get(key))?.data.a, '1');
    assert.deepStrictEqual(back.calls, ['get']);
    const now = Date.now();
    await store.update(key, { set: { a: '2' }, del: [], lastSeenAt: now, expiresAt: now + 60_000 });
    const record = await store.get(key);
    assert.equal(record?.data.a, '2', 'an update drops the front entry');
    assert.equal(record?.rev, 2, 'the cached record keeps the true rev');
    assert.deepStrictEqual(back.calls, ['get', 'update', 'get']);
    await store.close();
  });

  it('a read racing a delete in the same process never re-caches the deleted record', async () => {
    const back = observed(pgBack());
    const store = cacheStore({ front: memoryStore(), back: back.store, cacheTtlMs: 60_000 });
    const key = randomKey();
    await store.create(key, sampleRecord());
    const release = back.hold();
    const reading = store.get(key);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.delete(key);
    release();
    assert.notEqual(await reading, undefined, 'the read started before the delete');
    assert.equal(await store.get(key), undefined, 'the racing read did not fill the front');
    await store.close();
  });

  it('without invalidation, another process sees a delete within cacheTtlMs', async () => {
    const ttl = 400;
    const a = cacheStore({ front: memoryStore(), back: pgBack(), cacheTtlMs: ttl });
    const b = cacheStore({ front: memoryStore(), back: pgBack(), cacheTtlMs: ttl });
    const key = randomKey();
    await a.create(key, sampleRecord());
    assert.notEqual(await b.get(key), undefined);
    await a.delete(key);
    assert.equal(await a.get(key), undefined, 'the deleting process sees it at once');
    assert.notEqual(await b.get(key), undefined, 'b serves its front entry until cacheTtlMs passes');
    await new Promise((resolve) => setTimeout(resolve, ttl + 100));
    assert.equal(await b.get(key), undefined, 'after cacheTtlMs the entry is gone');
    await a.close();
    await b.close();
  });
});
