import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ErrorCodes } from '../../src/core/errors.ts';
import { sqliteStore } from '../../src/stores/sqlite.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { expiredRecord, randomKey, sampleRecord, sleep } from '../../src/testing/records.ts';

const root = mkdtempSync(join(tmpdir(), 'coatcheck-sqlite-'));
after(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
/** A fresh database file path under this file's temp directory. */
function dbPath(): string {
  files += 1;
  return join(root, `s${files}.db`);
}

describeStoreConformance({ name: 'sqlite', createStore: () => sqliteStore({ database: dbPath() }) });

const isConfigError = (pattern: RegExp) => (error: { code?: string; message?: string }) =>
  error.code === ErrorCodes.CONFIG && pattern.test(error.message ?? '');

describe('sqlite store specifics', () => {
  it('sqlite: rejects table names that are not plain identifiers, naming the option', () => {
    for (const bad of ['a"b', 'x; DROP TABLE y', '1abc', '', 'with space', 'ü', 'a'.repeat(49)]) {
      assert.throws(
        () => sqliteStore({ database: ':memory:', table: bad }),
        isConfigError(/table/),
        `table ${JSON.stringify(bad)} must be rejected`,
      );
    }
    assert.throws(() => sqliteStore({ database: '' }), isConfigError(/database/));
    assert.throws(
      () => sqliteStore({ database: ':memory:', purgeBatchSize: 0 }),
      isConfigError(/purgeBatch/),
    );
    assert.throws(() => sqliteStore({ database: ':memory:', pruneIntervalMs: -1 }), isConfigError(/prune/));
  });

  it('sqlite: rejects keys that are not store keys', async () => {
    const store = sqliteStore({ database: ':memory:' });
    for (const bad of ['../../etc/passwd', '/abs', 'a\0b', '', 'x'.repeat(201), 'sp ace', '..']) {
      await assert.rejects(store.get(bad), isConfigError(/store key/), JSON.stringify(bad));
      await assert.rejects(store.create(bad, sampleRecord()), isConfigError(/store key/));
    }
    assert.equal(await store.count(), 0);
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

  it('sqlite: migrate() is idempotent, keeps rows and leaves user_version alone', async () => {
    const db = new Database(dbPath());
    db.pragma('user_version = 42');
    const store = sqliteStore({ database: db, table: 'my_sessions', migrate: false });
    await store.migrate();
    await store.migrate();
    const key = randomKey();
    await store.create(key, sampleRecord({ data: { kept: '1' } }));
    await store.migrate();
    const again = sqliteStore({ database: db, table: 'my_sessions' });
    await again.migrate();
    assert.equal((await again.get(key))?.data.kept, '1');
    assert.equal(db.pragma('user_version', { simple: true }), 42);
    const meta = db.prepare('SELECT name, version FROM coatcheck_meta').all();
    assert.deepStrictEqual(meta, [{ name: 'my_sessions', version: 2 }]);
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

  it('sqlite: with migrate: false nothing is created until migrate() runs', async () => {
    const db = new Database(':memory:');
    const store = sqliteStore({ database: db, migrate: false });
    await assert.rejects(store.get(randomKey()), /no such table/);
    await store.migrate();
    assert.equal(await store.get(randomKey()), undefined);
    db.close();
  });

  it('sqlite: refuses a table migrated by a newer version', async () => {
    const db = new Database(':memory:');
    await sqliteStore({ database: db, table: 'future' }).migrate();
    db.prepare("UPDATE coatcheck_meta SET version = 99 WHERE name = 'future'").run();
    await assert.rejects(
      sqliteStore({ database: db, table: 'future' }).migrate(),
      isConfigError(/version 99/),
    );
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

  it('sqlite: the prune timer purges in the background and close() stops it', async () => {
    const db = new Database(':memory:');
    const store = sqliteStore({ database: db, pruneIntervalMs: 25 });
    await store.create(randomKey(), expiredRecord());
    await sleep(150);
    assert.equal(await store.count(), 0, 'the timer purged the expired row');
    await store.close();
    const other = sqliteStore({ database: db, pruneIntervalMs: 0 });
    await other.create(randomKey(), expiredRecord());
    await sleep(150);
    assert.equal(await other.count(), 1, 'no purge after close()');
    db.close();
  });

  it('sqlite: an update of a deleted key changes 0 rows (no resurrection)', async () => {
    const db = new Database(':memory:');
    const store = sqliteStore({ database: db });
    const key = randomKey();
    await store.create(key, sampleRecord());
    await store.delete(key);
    assert.equal(
      await store.update(key, {
        set: { a: '1' },
        del: [],
        lastSeenAt: Date.now(),
        expiresAt: Date.now() + 1e6,
      }),
      false,
    );
    assert.equal((db.prepare('SELECT count(*) AS n FROM coatcheck_sessions').get() as { n: number }).n, 0);
    db.close();
  });
});
