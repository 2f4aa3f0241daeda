/**
 * Crash safety of the embedded stores: a child process writes sessions in a loop and is killed
 * with SIGKILL at a random moment, 20 times per store. Afterwards every row / file must decode to a
 * whole record (nothing half-written is visible) and the store must keep working.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Store, StoreRecord } from '../../src/core/store.ts';
import { decodeForward } from '../../src/stores/fs/forward-file.ts';
import { decodeRecord } from '../../src/stores/fs/record-file.ts';
import { fsStore } from '../../src/stores/fs.ts';
import { sqliteStore } from '../../src/stores/sqlite.ts';
import { randomKey, sampleRecord } from '../../src/testing/records.ts';

const KILLS = 20;
const root = mkdtempSync(join(tmpdir(), 'coatcheck-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));
const writer = join(import.meta.dirname, '..', 'fixtures', 'crash-writer.ts');

/** Starts the writer, waits until it has written, lets it run a random while, then SIGKILLs it. */
function runAndKill(kind: 'sqlite' | 'fs', target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, kind, target], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.once('data', () => {
      setTimeout(() => child.kill('SIGKILL'), 20 + Math.random() * 400);
    });
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`writer exited with ${code} before the kill: ${stderr}`));
    });
  });
}

/** The invariant every write of the crash writer keeps. */
function assertWhole(record: StoreRecord, where: string): void {
  for (const [name, value] of Object.entries(record.data)) {
    assert.equal(typeof value, 'string', `${where}: data.${name}`);
  }
  const payload = JSON.parse(record.data.payload ?? 'null') as unknown;
  assert.equal(typeof payload, 'string', `${where}: payload`);
  assert.equal((payload as string).length + 2, Number(record.data.n), `${where}: n and payload disagree`);
  assert.ok(Number.isInteger(record.rev) && record.rev >= 1, `${where}: rev ${record.rev}`);
  for (const field of ['createdAt', 'lastSeenAt', 'expiresAt', 'absoluteExpiresAt'] as const) {
    assert.ok(Number.isSafeInteger(record[field]), `${where}: ${field}`);
  }
}

/** The store still works after the crashes: a full create/update/get/delete cycle. */
async function assertUsable(store: Store): Promise<void> {
  const key = randomKey();
  assert.equal(await store.create(key, sampleRecord()), true);
  assert.equal(
    await store.update(key, {
      set: { a: '1' },
      del: [],
      lastSeenAt: Date.now(),
      expiresAt: Date.now() + 60_000,
    }),
    true,
  );
  assert.equal((await store.get(key))?.rev, 2);
  await store.delete(key);
}

describe('embedded stores survive SIGKILL mid-write', () => {
  it(`sqlite: killed ${KILLS} times, every row decodes whole and the database is intact`, async (t) => {
    const file = join(root, 'crash.db');
    for (let i = 0; i < KILLS; i++) await runAndKill('sqlite', file);
    const db = new Database(file);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    const rows = db.prepare('SELECT key FROM coatcheck_sessions').all() as { key: string }[];
    assert.ok(rows.length > 0, 'the writer wrote something');
    const store = sqliteStore({ database: db, pruneIntervalMs: 0 });
    let live = 0;
    for (const { key } of rows) {
      const raw = db.prepare('SELECT data FROM coatcheck_sessions WHERE key = ?').get(key) as {
        data: string;
      };
      assert.equal(typeof JSON.parse(raw.data), 'object', `row ${key}: data is a JSON object`);
      const record = await store.get(key);
      if (record === undefined) continue; // expired
      live += 1;
      assertWhole(record, `row ${key}`);
    }
    await store.purgeExpired();
    await assertUsable(store);
    t.diagnostic(`${rows.length} rows after ${KILLS} kills, ${live} live`);
    await store.close();
    db.close();
  });

  it(`fs: killed ${KILLS} times, every session and forwarding file decodes whole; purge clears temp files and dead locks`, async (t) => {
    const directory = join(root, 'crash-dir');
    for (let i = 0; i < KILLS; i++) await runAndKill('fs', directory);
    const sessions = join(directory, 'sessions');
    const names = readdirSync(sessions);
    const files = names.filter((name) => name.endsWith('.json'));
    assert.ok(files.length > 0, 'the writer wrote something');
    for (const name of names) {
      assert.ok(name.endsWith('.json') || name.endsWith('.tmp'), `unexpected file ${name}`);
    }
    const store = fsStore({ directory, pruneIntervalMs: 0, lockStaleMs: 1 });
    let live = 0;
    for (const name of files) {
      const key = name.slice(0, -'.json'.length);
      const file = decodeRecord(readFileSync(join(sessions, name), 'utf8'), name);
      assert.equal(file.key, key);
      assertWhole(file.record, name);
      if (((await store.get(key))?.expiresAt ?? 0) > Date.now()) live += 1;
    }
    const forwards = join(directory, 'forwards');
    const forwarders = readdirSync(forwards).filter((name) => name.endsWith('.json'));
    assert.ok(forwarders.length > 0, 'the writer rotated something');
    for (const name of forwarders) {
      const forward = decodeForward(readFileSync(join(forwards, name), 'utf8'), name);
      assert.equal(forward.key, name.slice(0, -'.json'.length), `${name} was written for its own key`);
    }
    const temps = names.length - files.length;
    await store.purgeExpired();
    for (const where of [sessions, forwards]) {
      assert.deepStrictEqual(
        readdirSync(where).filter((name) => !name.endsWith('.json')),
        [],
        'temp files purged',
      );
    }
    assert.deepStrictEqual(readdirSync(join(directory, 'locks')), [], 'dead locks purged');
    await assertUsable(store);
    t.diagnostic(`${files.length} files (${live} live) and ${temps} temp files after ${KILLS} kills`);
    await store.close();
  });
});
