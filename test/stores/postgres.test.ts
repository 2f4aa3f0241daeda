import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ErrorCodes } from '../../src/core/errors.ts';
import { type PostgresQueryable, postgresStore } from '../../src/stores/postgres.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { expiredRecord, randomKey, sampleRecord, sleep } from '../../src/testing/records.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';

const skip = await serviceSkipReason('postgres');
const pool =
  skip === undefined ? new pg.Pool({ connectionString: serviceUrls.postgres, max: 12 }) : undefined;
const tables: string[] = [];
const schemas: string[] = [];
/** A fresh table name, dropped (with its meta table) when the file ends. */
function table(base = 'cc_pg'): string {
  const name = uniqueName(base);
  tables.push(name);
  return name;
}
after(async () => {
  if (!pool) return;
  for (const name of tables) await pool.query(`DROP TABLE IF EXISTS "${name}", "${name}_meta"`);
  for (const name of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  await pool.end();
});

/** A pool wrapper that records every statement, to count round trips. */
function counting(inner: PostgresQueryable) {
  const statements: string[] = [];
  const wrapped: PostgresQueryable = {
    query(text, values) {
      statements.push(text.trim().split(/\s+/, 1)[0] ?? '');
      return inner.query(text, values);
    },
  };
  return { statements, pool: wrapped };
}

const conformanceTable = skip === undefined ? table('cc_pg_conf') : '';
describeStoreConformance({
  name: 'postgres',
  skip,
  createStore: () => postgresStore({ pool: pool as pg.Pool, table: conformanceTable }),
});

describe('postgres store specifics', skip === undefined ? {} : { skip }, () => {
  let db: pg.Pool;
  before(() => {
    db = pool as pg.Pool;
  });

  it('rejects identifiers that are not plain names, naming the option', () => {
    for (const bad of ['a"b', 'x; DROP TABLE y', '1abc', '', 'with space', 'ü', 'a'.repeat(49)]) {
      assert.throws(
        () => postgresStore({ pool: db, table: bad }),
        (error: { code?: string; message?: string }) =>
          error.code === ErrorCodes.CONFIG && /table/.test(error.message ?? ''),
        `table ${JSON.stringify(bad)} must be rejected`,
      );
    }
    assert.throws(() => postgresStore({ pool: db, schema: 'a-b' }), { code: ErrorCodes.CONFIG });
    assert.throws(() => postgresStore({ pool: db, purgeBatchSize: 0 }), { code: ErrorCodes.CONFIG });
    assert.throws(() => postgresStore({ pool: db, pruneIntervalMs: -1 }), { code: ErrorCodes.CONFIG });
  });

  it('migrates idempotently, also when 8 instances migrate the same new table at once', async () => {
    const name = table();
    const schema = uniqueName('cc_schema');
    schemas.push(schema);
    const stores = Array.from({ length: 8 }, () => postgresStore({ pool: db, schema, table: name }));
    await Promise.all(stores.map((store) => store.migrate()));
    await stores[0]?.migrate();
    await postgresStore({ pool: db, schema, table: name }).migrate();
    const { rows } = await db.query(`SELECT name, version FROM "${schema}"."${name}_meta"`);
    assert.deepStrictEqual(rows, [{ name: 'schema', version: 2 }]);
    const key = randomKey();
    assert.equal(await stores[3]?.create(key, sampleRecord()), true);
    assert.equal((await stores[5]?.get(key))?.rev, 1);
    for (const store of stores) await store.close();
  });

  it('with migrate: false does not create the table until migrate() is called', async () => {
    const name = table();
    const store = postgresStore({ pool: db, table: name, migrate: false });
    await assert.rejects(store.get(randomKey()), /does not exist/);
    await store.migrate();
    assert.equal(await store.get(randomKey()), undefined);
    await store.close();
  });

  it('refuses a table migrated by a newer version with a ConfigError', async () => {
    const name = table();
    await postgresStore({ pool: db, table: name }).migrate();
    await db.query(`UPDATE "${name}_meta" SET version = 99`);
    await assert.rejects(postgresStore({ pool: db, table: name }).get(randomKey()), {
      code: ErrorCodes.CONFIG,
    });
  });

  it('keys and deleted data keys with quotes, braces, commas, NULL and unicode work', async () => {
    const store = postgresStore({ pool: db, table: table() });
    const odd = [`it's "quoted"`, 'back\\slash', '{brace},comma', 'NULL', 'ключ 🔑', '$.dots.and$'];
    for (const key of odd) {
      const data = Object.fromEntries(odd.map((name, i) => [name, String(i)]));
      assert.equal(await store.create(key, sampleRecord({ data })), true);
      const now = Date.now();
      const patch = { set: { added: '1' }, del: odd.slice(0, 5), lastSeenAt: now, expiresAt: now + 60_000 };
      assert.equal(await store.update(key, patch), true);
      assert.deepStrictEqual({ ...(await store.get(key))?.data }, { '$.dots.and$': '5', added: '1' });
    }
    await store.close();
  });

  it('purges in batches of purgeBatchSize and keeps live rows', async () => {
    const { pool: countingPool, statements } = counting(db);
    const store = postgresStore({ pool: countingPool, table: table(), purgeBatchSize: 3 });
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
    const store = postgresStore({ pool: db, table: table(), pruneIntervalMs: 40 });
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
    const store = postgresStore({ pool: countingPool, table: table() });
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
