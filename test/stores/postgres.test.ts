import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ErrorCodes } from '../../src/core/errors.ts';
import { type PostgresQueryable, postgresStore } from '../../src/stores/postgres.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { rotationOf } from '../../src/testing/conformance-rotation.ts';
import { randomKey, randomUserId, sampleRecord } from '../../src/testing/records.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';
import type { OpenVia, SqlTableHarness } from '../support/sql-table-harness.ts';
import { describeSqlTableStore } from '../support/sql-table-suite.ts';

const skip = await serviceSkipReason('postgres');
const connect = () => new pg.Pool({ connectionString: serviceUrls.postgres, max: 12 });
const pool = skip === undefined ? connect() : undefined;
// A second pool: another app instance, for races between real connections.
const secondPool = skip === undefined ? connect() : undefined;
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
  await secondPool?.end();
});

/** `inner` as the store sees it, recording the first word of every statement, pooled clients' too. */
function counting(inner: pg.Pool, log: string[]): PostgresQueryable {
  const first = (text: string) => text.trim().split(/\s+/, 1)[0] ?? '';
  return {
    query(text, values) {
      log.push(first(text));
      return inner.query(text, values);
    },
    async connect() {
      const client = await inner.connect();
      return {
        query: (text: string, values?: unknown[]) => {
          log.push(first(text));
          return client.query(text, values);
        },
        release: (destroy?: boolean | Error) => client.release(destroy),
      };
    },
  };
}

const conformanceTable = skip === undefined ? table('cc_pg_conf') : '';
describeStoreConformance({
  name: 'postgres',
  skip,
  createStore: () => postgresStore({ pool: pool as pg.Pool, table: conformanceTable }),
});

const harness: SqlTableHarness = {
  name: 'postgres',
  skip,
  table: () => table(),
  open(options, via: OpenVia = {}) {
    const base = (via.second ? secondPool : pool) as pg.Pool;
    return postgresStore({ ...options, pool: via.log ? counting(base, via.log) : base });
  },
  async sql(text) {
    return (await (pool as pg.Pool).query(text)).rows;
  },
  quote: (identifier) => `"${identifier}"`,
  async version(name) {
    const exists = await (pool as pg.Pool).query('SELECT to_regclass($1) AS t', [`"${name}_meta"`]);
    if (exists.rows[0]?.t === null) return undefined;
    const { rows } = await (pool as pg.Pool).query(
      `SELECT version FROM "${name}_meta" WHERE name = 'schema'`,
    );
    return rows[0] === undefined ? undefined : Number(rows[0].version);
  },
  async setVersion(name, version) {
    await (pool as pg.Pool).query(`UPDATE "${name}_meta" SET version = $1 WHERE name = 'schema'`, [version]);
  },
  async createVersion1(name) {
    // The DDL coatcheck's schema version 1 ran.
    await (pool as pg.Pool).query(`
      CREATE TABLE "${name}_meta" (name text PRIMARY KEY, version integer NOT NULL);
      CREATE TABLE "${name}" (key text PRIMARY KEY, user_id text, data jsonb NOT NULL,
        created_at bigint NOT NULL, last_seen_at bigint NOT NULL, expires_at bigint NOT NULL,
        absolute_expires_at bigint NOT NULL, rev integer NOT NULL);
      CREATE INDEX "${name}_user_id_idx" ON "${name}" (user_id) WHERE user_id IS NOT NULL;
      CREATE INDEX "${name}_expires_at_idx" ON "${name}" (expires_at);
      INSERT INTO "${name}_meta" (name, version) VALUES ('schema', 1)`);
  },
  missingTable: /does not exist/,
};
describeSqlTableStore(harness);

describe('postgres store specifics', skip === undefined ? {} : { skip }, () => {
  let db: pg.Pool;
  before(() => {
    db = pool as pg.Pool;
  });

  it('postgres: rejects a schema that is not a plain identifier; creates and uses a named schema', async () => {
    assert.throws(() => postgresStore({ pool: db, schema: 'a-b' }), {
      code: ErrorCodes.CONFIG,
      message: /schema/,
    });
    const schema = uniqueName('cc_schema');
    schemas.push(schema);
    const store = postgresStore({ pool: db, schema, table: table() });
    const key = randomKey();
    assert.equal(await store.create(key, sampleRecord()), true);
    const { rows } = await db.query('SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1', [
      schema,
    ]);
    assert.equal(rows[0]?.n, 2, 'the session table and its meta table live in the schema');
    await store.close();
  });

  it('postgres: keys and deleted data keys with quotes, braces, commas, NULL and unicode work', async () => {
    const store = postgresStore({ pool: db, table: table() });
    const odd = [`it's "quoted"`, 'back\\slash', '{brace},comma', 'NULL', 'ключ 🔑', '$.dots.and$'];
    for (const key of odd) {
      const data = Object.fromEntries(odd.map((name, i) => [name, String(i)]));
      assert.equal(await store.create(key, sampleRecord({ data })), true);
      const now = Date.now();
      const patch = { set: { added: '1' }, del: odd.slice(0, 5), lastSeenAt: now, expiresAt: now + 60_000 };
      assert.equal(await store.update(key, patch), true);
      assert.deepStrictEqual({ ...(await store.get(key))?.data }, { '$.dots.and$': '5', added: '1' });
      const next = `${key} rotated`;
      const rotation = rotationOf({ patch: { set: { 'ключ 🔑': 'x' }, del: ['$.dots.and$'] } });
      assert.equal(await store.rotate(key, next, rotation), 'rotated');
      assert.deepStrictEqual({ ...(await store.get(next))?.data }, { added: '1', 'ключ 🔑': 'x' });
    }
    await store.close();
  });

  it('postgres: a rotation without a limit is one statement; a limit takes one transaction on a pooled client', async () => {
    const log: string[] = [];
    const store = postgresStore({ pool: counting(db, log), table: table() });
    await store.migrate();
    const [user, oldKey, newKey, other] = [randomUserId(), randomKey(), randomKey(), randomKey()];
    await store.create(oldKey, sampleRecord({ userId: user }));
    log.length = 0;
    assert.equal(await store.rotate(oldKey, newKey, rotationOf({}, user)), 'rotated');
    assert.deepStrictEqual(log, ['WITH']);
    log.length = 0;
    const limit = { max: 1, onLimit: 'evictOldest' } as const;
    assert.equal(await store.create(other, sampleRecord({ userId: user }), limit), true);
    // BEGIN + lock, insert, the user's live sessions, evict (the one at newKey), commit.
    assert.deepStrictEqual(log, ['BEGIN;', 'INSERT', 'SELECT', 'WITH', 'COMMIT']);
    assert.equal(await store.get(newKey), undefined, 'the older session was evicted');
    await store.close();
  });

  it('postgres: without connect() a limit is refused with UnsupportedError, the rest still works', async () => {
    const queryOnly: PostgresQueryable = { query: (text, values) => db.query(text, values) };
    const store = postgresStore({ pool: queryOnly, table: table() });
    const [user, key, next] = [randomUserId(), randomKey(), randomKey()];
    assert.equal(await store.create(key, sampleRecord({ userId: user })), true);
    assert.equal(await store.rotate(key, next, rotationOf({}, user)), 'rotated');
    await assert.rejects(
      store.create(randomKey(), sampleRecord({ userId: user }), { max: 2, onLimit: 'reject' }),
      {
        code: ErrorCodes.UNSUPPORTED,
        message: /pg\.Pool/,
      },
    );
    assert.deepStrictEqual(
      (await store.listByUser(user)).map((entry) => entry.key),
      [next],
    );
    await store.close();
  });
});
