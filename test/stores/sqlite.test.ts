import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ErrorCodes } from '../../src/core/errors.ts';
import { sqliteStore } from '../../src/stores/sqlite.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { rotationOf } from '../../src/testing/conformance-rotation.ts';
import { expiredRecord, randomKey, sampleRecord } from '../../src/testing/records.ts';
import { uniqueName } from '../support/services.ts';
import type { OpenVia, SqlTableHarness } from '../support/sql-table-harness.ts';
import { describeSqlTableStore } from '../support/sql-table-suite.ts';

const root = mkdtempSync(join(tmpdir(), 'coatcheck-sqlite-'));
const handles: Database.Database[] = [];
after(() => {
  for (const handle of handles) if (handle.open) handle.close();
  rmSync(root, { recursive: true, force: true });
});
let files = 0;
/** A fresh database file path under this file's temp directory. */
function dbPath(): string {
  files += 1;
  return join(root, `s${files}.db`);
}

describeStoreConformance({ name: 'sqlite', createStore: () => sqliteStore({ database: dbPath() }) });

// The SQL-table suite shares one file; every store gets its own handle (connection) to it.
const suitePath = dbPath();
/** A handle on the suite's file, logging the first word of every statement to `log` when given. */
function handle(log?: string[]): Database.Database {
  const verbose = log && ((sql: unknown) => log.push(String(sql).trim().split(/\s+/, 1)[0] ?? ''));
  const db = new Database(suitePath, verbose ? { verbose } : {});
  handles.push(db);
  return db;
}
const admin = handle();
admin.pragma('journal_mode = WAL');

const harness: SqlTableHarness = {
  name: 'sqlite',
  skip: undefined,
  table: () => uniqueName('cc_lite'),
  open(options, via: OpenVia = {}) {
    return sqliteStore({ ...options, database: handle(via.log) });
  },
  async sql(text) {
    const statement = admin.prepare(text);
    if (!statement.reader) {
      statement.run();
      return [];
    }
    return statement.all() as Record<string, unknown>[];
  },
  quote: (identifier) => `"${identifier}"`,
  async version(table) {
    try {
      const row = admin.prepare('SELECT version FROM coatcheck_meta WHERE name = ?').get(table) as
        | { version: number }
        | undefined;
      return row?.version;
    } catch (error) {
      if (/no such table/.test(String(error))) return undefined;
      throw error;
    }
  },
  async setVersion(table, version) {
    admin.prepare('UPDATE coatcheck_meta SET version = ? WHERE name = ?').run(version, table);
  },
  async createVersion1(table) {
    // The DDL coatcheck's schema version 1 ran.
    admin.exec(`
      CREATE TABLE IF NOT EXISTS coatcheck_meta (name TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL);
      CREATE TABLE "${table}" (key TEXT PRIMARY KEY NOT NULL, user_id TEXT, data TEXT NOT NULL,
        created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL, rev INTEGER NOT NULL);
      CREATE INDEX "${table}_user_id_idx" ON "${table}" (user_id) WHERE user_id IS NOT NULL;
      CREATE INDEX "${table}_expires_at_idx" ON "${table}" (expires_at);`);
    admin.prepare('INSERT INTO coatcheck_meta (name, version) VALUES (?, 1)').run(table);
  },
  missingTable: /no such table/,
};
describeSqlTableStore(harness);

const isConfigError = (pattern: RegExp) => (error: { code?: string; message?: string }) =>
  error.code === ErrorCodes.CONFIG && pattern.test(error.message ?? '');

describe('sqlite store specifics', () => {
  it('sqlite: rejects a database that is neither a handle nor a path', () => {
    assert.throws(() => sqliteStore({ database: '' }), isConfigError(/database/));
    assert.throws(() => sqliteStore({ database: 42 as unknown as string }), isConfigError(/database/));
  });

  it('sqlite: rejects keys that are not store keys', async () => {
    const store = sqliteStore({ database: ':memory:' });
    for (const bad of ['../../etc/passwd', '/abs', 'a\0b', '', 'x'.repeat(201), 'sp ace', '..']) {
      await assert.rejects(store.get(bad), isConfigError(/store key/), JSON.stringify(bad));
      await assert.rejects(store.create(bad, sampleRecord()), isConfigError(/store key/));
    }
    const live = randomKey();
    await store.create(live, sampleRecord());
    await assert.rejects(store.rotate(live, '../x', rotationOf()), isConfigError(/store key/));
    assert.equal(await store.count(), 1);
    await store.close();
  });

  it('sqlite: opens a path in WAL mode and closes only what it opened', async () => {
    const path = dbPath();
    const owned = sqliteStore({ database: path });
    await owned.create(randomKey(), sampleRecord());
    await owned.close();
    const db = new Database(path);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const borrowed = sqliteStore({ database: db });
    assert.equal(await borrowed.count(), 1);
    await borrowed.close();
    assert.equal(db.open, true, 'a handle passed in stays open');
    assert.equal((db.prepare('SELECT count(*) AS n FROM coatcheck_sessions').get() as { n: number }).n, 1);
    db.close();
  });

  it('sqlite: migrate() leaves user_version alone and creates the two indexes', async () => {
    const db = new Database(dbPath());
    db.pragma('user_version = 42');
    const store = sqliteStore({ database: db, table: 'my_sessions' });
    await store.migrate();
    assert.equal(db.pragma('user_version', { simple: true }), 42);
    const indexes = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'my_sessions' AND sql IS NOT NULL",
      )
      .all()
      .map((row) => (row as { name: string }).name)
      .sort();
    assert.deepStrictEqual(indexes, ['my_sessions_expires_at_idx', 'my_sessions_user_id_idx']);
    db.close();
  });

  it('sqlite: numbers come back as numbers from a handle with safe integers on', async () => {
    const db = new Database(':memory:');
    db.defaultSafeIntegers(true);
    const store = sqliteStore({ database: db });
    const key = randomKey();
    const record = sampleRecord();
    await store.create(key, record);
    const got = await store.get(key);
    assert.equal(got?.expiresAt, record.expiresAt);
    assert.equal(typeof (await store.count()), 'number');
    assert.equal(
      await store.rotate(key, randomKey(), rotationOf()),
      'rotated',
      'forwarder columns read as numbers',
    );
    db.close();
  });

  it('sqlite: purgeExpired deletes in batches and lets the event loop run between them', async () => {
    const db = new Database(':memory:');
    const store = sqliteStore({ database: db, purgeBatchSize: 10, pruneIntervalMs: 0 });
    for (let i = 0; i < 95; i++) await store.create(randomKey(), expiredRecord());
    for (let i = 0; i < 5; i++) await store.create(randomKey(), sampleRecord());
    let ticks = 0;
    let running = true;
    const spin = () => {
      ticks += 1;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const removed = await store.purgeExpired();
    running = false;
    assert.equal(removed, 95);
    assert.equal(await store.count(), 5);
    assert.ok(ticks >= 5, `the event loop ran only ${ticks} times during 10 batches`);
    db.close();
  });
});
