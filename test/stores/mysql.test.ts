import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { type MysqlQueryable, mysqlStore } from '../../src/stores/mysql.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { rotationOf } from '../../src/testing/conformance-rotation.ts';
import { randomKey, sampleRecord, sleep } from '../../src/testing/records.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';
import type { OpenVia, SqlTableHarness } from '../support/sql-table-harness.ts';
import { describeSqlTableStore } from '../support/sql-table-suite.ts';

const skip = await serviceSkipReason('mysql');
const connect = (connectionLimit = 12) => mysql.createPool({ uri: serviceUrls.mysql, connectionLimit });
const pool = skip === undefined ? connect() : undefined;
// A second pool: another app instance, for races between real connections.
const secondPool = skip === undefined ? connect() : undefined;
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
  await secondPool?.end();
});

/** `inner` as the store sees it, recording the first word of every statement, connections' too. */
function counting(inner: mysql.Pool, log: string[]): MysqlQueryable {
  const first = (sql: string) => sql.trim().split(/\s+/, 1)[0] ?? '';
  return {
    query(sql, values) {
      log.push(first(sql));
      return inner.query(sql, values as unknown[]);
    },
    async getConnection() {
      const connection = await inner.getConnection();
      return {
        query: (sql: string, values?: unknown) => {
          log.push(first(sql));
          return connection.query(sql, values as unknown[]);
        },
        release: () => connection.release(),
        destroy: () => connection.destroy(),
      };
    },
  };
}

const conformanceTable = skip === undefined ? table('cc_my_conf') : '';
describeStoreConformance({
  name: 'mysql',
  skip,
  createStore: () => mysqlStore({ pool: pool as mysql.Pool, table: conformanceTable }),
});

const rows = async (sql: string, values?: unknown[]) =>
  (await (pool as mysql.Pool).query(sql, values))[0] as Record<string, unknown>[];

const harness: SqlTableHarness = {
  name: 'mysql',
  skip,
  table: () => table(),
  open(options, via: OpenVia = {}) {
    const base = (via.second ? secondPool : pool) as mysql.Pool;
    return mysqlStore({ ...options, pool: via.log ? counting(base, via.log) : base });
  },
  sql: (text) => rows(text),
  quote: (identifier) => `\`${identifier}\``,
  async version(name) {
    const found = await rows(
      'SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?',
      [`${name}_meta`],
    );
    if (Number(found[0]?.n) === 0) return undefined;
    const [row] = await rows(`SELECT version FROM \`${name}_meta\` WHERE name = 'schema'`);
    return row === undefined ? undefined : Number(row.version);
  },
  async setVersion(name, version) {
    await rows(`UPDATE \`${name}_meta\` SET version = ? WHERE name = 'schema'`, [version]);
  },
  async createVersion1(name) {
    // The DDL coatcheck's schema version 1 ran.
    await rows(`CREATE TABLE \`${name}_meta\` (name VARCHAR(64) PRIMARY KEY, version INT NOT NULL)
      DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`);
    await rows(`CREATE TABLE \`${name}\` (
      \`key\` VARCHAR(255) NOT NULL PRIMARY KEY, user_id VARCHAR(255) NULL, data JSON NOT NULL,
      created_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
      absolute_expires_at BIGINT NOT NULL, rev INT NOT NULL,
      INDEX \`${name}_user_id_idx\` (user_id), INDEX \`${name}_expires_at_idx\` (expires_at)
    ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`);
    await rows(`INSERT INTO \`${name}_meta\` (name, version) VALUES ('schema', 1)`);
  },
  missingTable: /doesn't exist/,
};
describeSqlTableStore(harness);

describe('mysql store specifics', skip === undefined ? {} : { skip }, () => {
  let db: mysql.Pool;
  before(() => {
    db = pool as mysql.Pool;
  });

  it('mysql: keys differing only in case or accents are distinct (binary collation)', async () => {
    const store = mysqlStore({ pool: db, table: table() });
    const base = randomKey();
    for (const key of [`${base}a`, `${base}A`, `${base}é`, `${base}e`]) {
      assert.equal(await store.create(key, sampleRecord({ data: { key: JSON.stringify(key) } })), true, key);
    }
    assert.equal((await store.get(`${base}A`))?.data.key, JSON.stringify(`${base}A`));
    await store.close();
  });

  it('mysql: data keys with JSON-path syntax (quotes, $, dots, brackets, *, unicode) are set and deleted', async () => {
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

  it('mysql: a touch with an unchanged window still reports the record as live', async () => {
    const store = mysqlStore({ pool: db, table: table() });
    const key = randomKey();
    const record = sampleRecord();
    await store.create(key, record);
    const window = { lastSeenAt: record.lastSeenAt, expiresAt: record.expiresAt };
    assert.equal(await store.touch(key, window), true);
    await store.close();
  });

  it('mysql: a rotation InnoDB picks as deadlock victim is run again, on a released connection', async () => {
    const name = table();
    const t = `\`${name}\``;
    const retried: unknown[] = [];
    // One connection only: if the victim's connection were not given back, the retry would hang.
    const single = connect(1);
    const store = mysqlStore({ pool: single, table: name, onRetry: (error) => retried.push(error) });
    // Keys chosen so the new key's gap lies between the fillers and the old row: the blocker's gap
    // lock on it does not also lock the old row.
    const [oldKey, newKey] = [`a-${randomKey()}`, `m-${randomKey()}`];
    await store.create(oldKey, sampleRecord({ data: { kept: '1' } }));
    for (let i = 0; i < 20; i++) await store.create(`z-${i}-${randomKey()}`, sampleRecord());
    const blocker = await db.getConnection();
    try {
      await blocker.query('START TRANSACTION');
      // Heavier than the rotation (20 changed rows), so InnoDB rolls the rotation back, not this one.
      await blocker.query(`UPDATE ${t} SET rev = rev + 1 WHERE \`key\` LIKE 'z-%'`);
      await blocker.query(`SELECT \`key\` FROM ${t} WHERE \`key\` = ? FOR UPDATE`, [newKey]);
      const rotating = store.rotate(oldKey, newKey, rotationOf());
      // The rotation holds the old row and waits to insert into the gap the blocker locked.
      // (The processlist, not innodb_trx: that view is a cache that polling keeps from refreshing.)
      for (let i = 0; ; i++) {
        const [waiting] = (await db.query(
          'SELECT count(*) AS n FROM information_schema.processlist WHERE info LIKE ?',
          [`INSERT INTO \`${name}\`%${newKey}%`],
        )) as [{ n: number }[], unknown];
        if (Number(waiting[0]?.n) > 0) break;
        assert.ok(i < 250, 'the rotation never waited on the blocker');
        await sleep(20);
      }
      // Closing the cycle: the blocker now wants the old row.
      await blocker.query(`SELECT \`key\` FROM ${t} WHERE \`key\` = ? FOR UPDATE`, [oldKey]);
      await blocker.query('COMMIT');
      assert.equal(await rotating, 'rotated');
    } finally {
      blocker.release();
    }
    assert.deepStrictEqual(
      retried.map((error) => (error as { errno?: number }).errno),
      [1213],
      'exactly one deadlock, retried',
    );
    assert.deepStrictEqual({ ...(await store.get(newKey))?.data }, { kept: '1', rotated: '"yes"' });
    assert.equal(await store.get(oldKey), undefined);
    await store.close();
    await single.end();
  });
});
