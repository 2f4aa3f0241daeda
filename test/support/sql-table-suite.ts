/**
 * The SQL-table suite: what SQLite, PostgreSQL and MySQL/MariaDB share beyond the conformance
 * suite (schema versions and upgrades, purge batches, the prune timer, statements per call,
 * forwarder rows as the table holds them, races between two store instances). Written once and
 * run for each store with its name in every title, as tower-sessions runs `route_tests!(app)`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes } from '../../src/core/errors.ts';
import { rotationOf } from '../../src/testing/conformance-rotation.ts';
import { expiredRecord, plainRecord, randomKey, sampleRecord, sleep } from '../../src/testing/records.ts';
import type { SqlTableHarness } from './sql-table-harness.ts';
import { registerSqlTableRaces } from './sql-table-races.ts';

/** Registers the suite for the store `harness` describes. */
export function describeSqlTableStore(harness: SqlTableHarness): void {
  const { name, skip } = harness;
  describe(`${name} SQL table`, skip === undefined ? {} : { skip }, () => {
    registerSchema(harness);
    registerPurge(harness);
    registerHotPath(harness);
    registerSqlTableRaces(harness);
  });
}

function registerSchema(h: SqlTableHarness): void {
  const { name } = h;

  it(`${name}: rejects table names that are not plain identifiers, and bad batch sizes and intervals, naming the option`, () => {
    for (const bad of ['a"b', 'a`b', 'x; DROP TABLE y', '1abc', '', 'with space', 'ü', 'a'.repeat(49)]) {
      assert.throws(
        () => h.open({ table: bad }),
        (error: { code?: string; message?: string }) =>
          error.code === ErrorCodes.CONFIG && /table/.test(error.message ?? ''),
        `table ${JSON.stringify(bad)} must be rejected`,
      );
    }
    const table = h.table();
    assert.throws(() => h.open({ table, purgeBatchSize: 0 }), {
      code: ErrorCodes.CONFIG,
      message: /purgeBatchSize/,
    });
    assert.throws(() => h.open({ table, purgeBatchSize: 1.5 }), { code: ErrorCodes.CONFIG });
    assert.throws(() => h.open({ table, pruneIntervalMs: -1 }), {
      code: ErrorCodes.CONFIG,
      message: /pruneIntervalMs/,
    });
    assert.throws(() => h.open({ table, pruneIntervalMs: Number.NaN }), { code: ErrorCodes.CONFIG });
  });

  // A table the app's migrations own: no migration, no versions, no upgrade to test.
  if (h.migrates === false) return;

  it(`${name}: migrate() is idempotent, also when 8 instances migrate one new table at once`, async () => {
    const table = h.table();
    const stores = Array.from({ length: 8 }, (_, i) => h.open({ table }, { second: i % 2 === 1 }));
    await Promise.all(stores.map((store) => store.migrate()));
    await stores[0]?.migrate();
    await h.open({ table }).migrate();
    assert.equal(await h.version(table), 2);
    const key = randomKey();
    assert.equal(await stores[3]?.create(key, sampleRecord()), true);
    assert.equal((await stores[6]?.get(key))?.rev, 1);
    for (const store of stores) await store.close();
  });

  it(`${name}: with migrate: false nothing is created until migrate() runs`, async () => {
    const table = h.table();
    const store = h.open({ table, migrate: false });
    await assert.rejects(store.get(randomKey()), h.missingTable);
    assert.equal(await h.version(table), undefined);
    await store.migrate();
    assert.equal(await store.get(randomKey()), undefined);
    assert.equal(await h.version(table), 2);
    await store.close();
  });

  it(`${name}: refuses a table migrated by a newer version with a ConfigError, and leaves it as it is`, async () => {
    const table = h.table();
    await h.createVersion1(table);
    await h.setVersion(table, 99);
    const store = h.open({ table });
    await assert.rejects(store.get(randomKey()), { code: ErrorCodes.CONFIG, message: /version 99/ });
    await assert.rejects(store.migrate(), { code: ErrorCodes.CONFIG });
    assert.equal(await h.version(table), 99);
    await assert.rejects(h.sql(`SELECT successor FROM ${h.quote(table)}`), 'no column was added');
    await store.close();
  });

  it(`${name}: upgrades a version 1 table in place: its sessions are kept and can rotate`, async () => {
    const table = h.table();
    await h.createVersion1(table);
    const [key, next] = [randomKey(), randomKey()];
    const record = sampleRecord({ data: { kept: 'yes' }, userId: 'v1-user' });
    const k = h.quote('key');
    await h.sql(
      `INSERT INTO ${h.quote(table)} (${k}, data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, rev)
       VALUES ('${key}', '{"kept":"yes"}', 'v1-user', ${record.createdAt}, ${record.lastSeenAt},
         ${record.expiresAt}, ${record.absoluteExpiresAt}, 3)`,
    );
    // Several instances upgrading at once must not trip over each other.
    const stores = [h.open({ table }), h.open({ table }, { second: true }), h.open({ table })];
    await Promise.all(stores.map((store) => store.migrate()));
    assert.equal(await h.version(table), 2);
    const [store] = stores as [(typeof stores)[0]];
    const kept = await store.get(key);
    assert.deepStrictEqual(kept && plainRecord(kept), { ...record, rev: 3 });
    assert.equal(await store.rotate(key, next, rotationOf({}, 'v1-user')), 'rotated');
    assert.deepStrictEqual(
      (await store.listByUser('v1-user')).map((entry) => entry.key),
      [next],
    );
    assert.equal(await store.delete(key), true, 'the forwarder ends what it moved to');
    assert.equal(await store.get(next), undefined);
    for (const each of stores) await each.close();
  });
}

function registerPurge(h: SqlTableHarness): void {
  const { name } = h;

  it(`${name}: purges expired records in batches of purgeBatchSize, then forwarders past their window`, async () => {
    const table = h.table();
    const log: string[] = [];
    const store = h.open({ table, purgeBatchSize: 3, pruneIntervalMs: 0 }, { log });
    for (let i = 0; i < 10; i++) await store.create(randomKey(), expiredRecord());
    const live = randomKey();
    await store.create(live, sampleRecord());
    const [remembered, rememberedNext, forgotten, forgottenNext] = [
      randomKey(),
      randomKey(),
      randomKey(),
      randomKey(),
    ];
    await store.create(remembered, sampleRecord());
    await store.rotate(remembered, rememberedNext, rotationOf());
    await store.create(forgotten, sampleRecord());
    await store.rotate(forgotten, forgottenNext, rotationOf({ forwardUntil: Date.now() - 1 }));
    const forwarders = async () =>
      (await h.sql(`SELECT ${h.quote('key')} AS k FROM ${h.quote(table)} WHERE successor IS NOT NULL`))
        .map((row) => String(row.k))
        .sort();
    assert.deepStrictEqual(await forwarders(), [forgotten, remembered].sort());
    log.length = 0;
    assert.equal(await store.purgeExpired(), 10, 'expired records are counted, forwarders are not');
    // Records: batches of 3, 3, 3, 1; forwarders: one batch of 1.
    assert.deepStrictEqual(log, ['DELETE', 'DELETE', 'DELETE', 'DELETE', 'DELETE']);
    assert.deepStrictEqual(await forwarders(), [remembered], 'the forwarder still in its window stays');
    assert.equal(await store.count(), 3);
    for (const key of [live, rememberedNext, forgottenNext]) assert.notEqual(await store.get(key), undefined);
    assert.equal(await store.delete(remembered), true, 'the kept forwarder still ends its session');
    await store.close();
  });

  it(`${name}: prunes in the background, and close() stops the timer`, async () => {
    const table = h.table();
    const store = h.open({ table, pruneIntervalMs: 30 });
    await store.create(randomKey(), expiredRecord());
    for (let i = 0; i < 100 && (await store.count()) > 0; i++) await sleep(20);
    assert.equal(await store.count(), 0, 'the timer purged the expired row');
    await store.close();
    const other = h.open({ table, pruneIntervalMs: 0 });
    await other.create(randomKey(), expiredRecord());
    await sleep(200);
    assert.equal(await other.count(), 1, 'no purge after close');
    await other.close();
  });
}

function registerHotPath(h: SqlTableHarness): void {
  it(`${h.name}: one statement per get, create, update, updateData, touch and delete once migrated`, async () => {
    const log: string[] = [];
    const store = h.open({ table: h.table(), pruneIntervalMs: 0 }, { log });
    await store.migrate();
    const key = randomKey();
    const now = Date.now();
    const perCall: Record<string, number> = {};
    const calls = {
      create: () => store.create(key, sampleRecord({ userId: 'someone' })),
      get: () => store.get(key),
      update: () => store.update(key, { set: { a: '1' }, del: [], lastSeenAt: now, expiresAt: now + 60_000 }),
      updateData: () => store.updateData(key, { set: { b: '2' }, del: ['a'] }),
      touch: () => store.touch(key, { lastSeenAt: now, expiresAt: now + 90_000 }),
      delete: () => store.delete(key),
    };
    for (const [call, run] of Object.entries(calls)) {
      log.length = 0;
      await run();
      perCall[call] = log.length;
    }
    assert.deepStrictEqual(perCall, { create: 1, get: 1, update: 1, updateData: 1, touch: 1, delete: 1 });
    await store.close();
  });
}
