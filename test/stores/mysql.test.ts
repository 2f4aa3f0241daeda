import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { ErrorCodes } from '../../src/core/errors.ts';
import { type MysqlQueryable, mysqlStore } from '../../src/stores/mysql.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { expiredRecord, randomKey, sampleRecord, sleep } from '../../src/testing/records.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';

const skip = await serviceSkipReason('mysql');
const pool =
  skip === undefined ? mysql.createPool({ uri: serviceUrls.mysql, connectionLimit: 12 }) : undefined;
const tables: string[] = [];
/** A fresh table name, dropped (with its meta table) when the file ends. */
function table(base = 'cc_my'): string {
  const name = uniqueName(base);
  tables.push(name);
  return name;
}
after(async () => {
  if (!pool) return;
  for (const name of tables) await pool.query(`DROP TABLE IF EXISTS \`${name}\`, \`${name}_meta\``);
  await pool.end();
});

/** A pool wrapper that records every statement, to count round trips. */
function counting(inner: mysql.Pool) {
  const statements: string[] = [];
  const wrapped: MysqlQueryable = {
    query(sql, values) {
      statements.push(sql.trim().split(/\s+/, 1)[0] ?? '');
      return inner.query(sql, values as unknown[]);
    },
    getConnection: () => inner.getConnection(),
  };
  return { statements, pool: wrapped };
}

const conformanceTable = skip === undefined ? table('cc_my_conf') : '';
describeStoreConformance({
  name: 'mysql',
  skip,
  createStore: () => mysqlStore({ pool: pool as mysql.Pool, table: conformanceTable }),
});

describe('mysql store specifics', skip === undefined ? {} : { skip }, () => {
  let db: mysql.Pool;
  before(() => {
    db = pool as mysql.Pool;
  });

  it('rejects table names that are not plain identifiers, naming the option', () => {
    for (const bad of ['a`b', 'x; DROP TABLE y', '1abc', '', 'with space', 'ü', 'a'.repeat(49)]) {
      assert.throws(
        () => mysqlStore({ pool: db, table: bad }),
        (error: { code?: string; message?: string }) =>
          error.code === ErrorCodes.CONFIG && /table/.test(error.message ?? ''),
        `table ${JSON.stringify(bad)} must be rejected`,
      );
    }
    assert.throws(() => mysqlStore({ pool: db, purgeBatchSize: 1.5 }), { code: ErrorCodes.CONFIG });
    assert.throws(() => mysqlStore({ pool: db, pruneIntervalMs: Number.NaN }), { code: ErrorCodes.CONFIG });
  });

  it('migrates idempotently, also when 8 instances migrate the same new table at once', async () => {
    const name = table();
    const stores = Array.from({ length: 8 }, () => mysqlStore({ pool: db, table: name }));
    await Promise.all(stores.map((store) => store.migrate()));
    await stores[0]?.migrate();
    await mysqlStore({ pool: db, table: name }).migrate();
    const [rows] = await db.query(`SELECT name, version FROM \`${name}_meta\``);
    assert.deepStrictEqual(
      (rows as { name: string; version: number }[]).map((row) => ({ ...row })),
      [{ name: 'schema', version: 2 }],
    );
    const key = randomKey();
    assert.equal(await stores[3]?.create(key, sampleRecord()), true);
    assert.equal((await stores[5]?.get(key))?.rev, 1);
    for (const store of stores) await store.close();
  });

  it('with migrate: false does not create the table until migrate() is called', async () => {
    const store = mysqlStore({ pool: db, table: table(), migrate: false });
    await assert.rejects(store.get(randomKey()), /doesn't exist/);
    await store.migrate();
    assert.equal(await store.get(randomKey()), undefined);
    await store.close();
  });

  it('refuses a table migrated by a newer version with a ConfigError', async () => {
    const name = table();
    await mysqlStore({ pool: db, table: name }).migrate();
    await db.query(`UPDATE \`${name}_meta\` SET version = 99`);
    await assert.rejects(mysqlStore({ pool: db, table: name }).get(randomKey()), { code: ErrorCodes.CONFIG });
  });

  it('keys differing only in case or accents are distinct (binary collation)', async () => {
    const store = mysqlStore({ pool: db, table: table() });
    const base = randomKey();
    for (const key of [`${base}a`, `${base}A`, `${base}é`, `${base}e`]) {
      assert.equal(await store.create(key, sampleRecord({ data: { key: JSON.stringify(key) } })), true, key);
    }
    assert.equal((await store.get(`${base}A`))?.data.key, JSON.stringify(`${base}A`));
    await store.close();
  });

  it('data keys with JSON-path syntax (quotes, $, dots, brackets, *, unicode) are set and deleted', async () => {
    const store = mysqlStore({ pool: db, table: table() });
    const odd = [`it's "quoted"`, 'back\\slash', '$', '$.a[0]', '**', 'a.b', 'ключ 🔑', '', '__proto__'];
    for (const key of [`odd "key" ${randomKey()}`, `ключ ${randomKey()}`]) {
      const data = Object.fromEntries(odd.map((name, i) => [name, String(i)]));
      assert.equal(await store.create(key, sampleRecord({ data })), true);
      const now = Date.now();
      const set = { added: '"x"', '$.new': '"y"' };
      const patch = { set, del: odd.slice(0, 8), lastSeenAt: now, expiresAt: now + 60_000 };
      assert.equal(await store.update(key, patch), true);
      const data2 = (await store.get(key))?.data ?? {};
      assert.deepStrictEqual(Object.entries(data2).sort(), [
        ['$.new', '"y"'],
        ['__proto__', '8'],
        ['added', '"x"'],
      ]);
    }
    await store.close();
  });

  it('a touch with an unchanged window still reports the record as live', async () => {
    const store = mysqlStore({ pool: db, table: table() });
    const key = randomKey();
    const record = sampleRecord();
    await store.create(key, record);
    const window = { lastSeenAt: record.lastSeenAt, expiresAt: record.expiresAt };
    assert.equal(await store.touch(key, window), true);
    await store.close();
  });

  it('purges in batches of purgeBatchSize and keeps live rows', async () => {
    const { pool: countingPool, statements } = counting(db);
    const store = mysqlStore({ pool: countingPool, table: table(), purgeBatchSize: 3 });
    for (let i = 0; i < 10; i++) await store.create(randomKey(), expiredRecord());
    const live = randomKey();
    await store.create(live, sampleRecord());
    statements.length = 0;
    assert.equal(await store.purgeExpired(), 10);
    assert.deepStrictEqual(statements, ['DELETE', 'DELETE', 'DELETE', 'DELETE', 'DELETE']);
    assert.equal(await store.count(), 1);
    assert.notEqual(await store.get(live), undefined);
    await store.close();
  });

  it('prunes in the background, and close() stops the timer', async () => {
    const store = mysqlStore({ pool: db, table: table(), pruneIntervalMs: 40 });
    await store.create(randomKey(), expiredRecord());
    for (let i = 0; i < 100 && (await store.count()) > 0; i++) await sleep(20);
    assert.equal(await store.count(), 0, 'the timer purged the expired row');
    await store.close();
    await store.create(randomKey(), expiredRecord());
    await sleep(200);
    assert.equal(await store.count(), 1, 'no purge after close');
  });

  it('costs one round trip per get, create, update, touch and delete once migrated', async () => {
    const { pool: countingPool, statements } = counting(db);
    const store = mysqlStore({ pool: countingPool, table: table() });
    await store.migrate();
    const key = randomKey();
    const now = Date.now();
    const perCall: number[] = [];
    for (const call of [
      () => store.create(key, sampleRecord()),
      () => store.get(key),
      () => store.update(key, { set: { a: '1' }, del: [], lastSeenAt: now, expiresAt: now + 60_000 }),
      () => store.touch(key, { lastSeenAt: now, expiresAt: now + 90_000 }),
      () => store.delete(key),
    ]) {
      statements.length = 0;
      await call();
      perCall.push(statements.length);
    }
    assert.deepStrictEqual(perCall, [1, 1, 1, 1, 1]);
    await store.close();
  });
});
