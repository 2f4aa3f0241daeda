/**
 * Run by `bun test` (from ../sqlite-bun.test.ts): the conformance suite on the SQLite store over
 * Bun's built-in `bun:sqlite`, registered with Bun's own `node:test`, twice: a `bun:sqlite`
 * Database passed in, and a file path the store opens itself (which must pick bun:sqlite through
 * the `bun` condition of `#platform/sqlite-open`, as better-sqlite3 cannot load on Bun).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { SqliteHandle } from '../../../src/stores/sqlite/handle.ts';
import { sqliteStore } from '../../../src/stores/sqlite.ts';
import { describeStoreConformance } from '../../../src/testing/conformance.ts';
import { randomKey, sampleRecord } from '../../../src/testing/records.ts';

// A specifier in a variable: the typecheck (under Node's types) has no declarations for bun:sqlite.
const specifier = 'bun:sqlite';
const { Database } = (await import(specifier)) as { Database: new (path: string) => SqliteHandle };

const dir = mkdtempSync(join(tmpdir(), 'coatcheck-bun-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describeStoreConformance({
  name: 'sqlite(bun:sqlite handle)',
  createStore: () => sqliteStore({ database: new Database(':memory:'), pruneIntervalMs: 0 }),
});

describeStoreConformance({
  name: 'sqlite(bun, file path)',
  createStore: () => sqliteStore({ database: join(dir, `sessions-${++files}.db`), pruneIntervalMs: 0 }),
});

describe('sqlite on bun specifics', () => {
  it('sqlite(bun): a file the store opened is in WAL mode and readable by a second bun:sqlite handle', async () => {
    const path = join(dir, 'shared.db');
    const store = sqliteStore({ database: path, pruneIntervalMs: 0 });
    const key = randomKey();
    assert.equal(await store.create(key, sampleRecord({ data: { a: '1' } })), true);
    const other = new Database(path);
    assert.deepEqual(other.prepare('PRAGMA journal_mode').all(), [{ journal_mode: 'wal' }]);
    const row = other.prepare('SELECT data FROM coatcheck_sessions WHERE key = ?').get(key);
    assert.deepEqual(row, { data: '{"a":"1"}' });
    assert.notEqual(await sqliteStore({ database: other, pruneIntervalMs: 0 }).get(key), undefined);
    other.close();
    await store.close();
  });
});
