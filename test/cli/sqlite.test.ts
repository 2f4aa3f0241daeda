/**
 * Every CLI command against a real SQLite file, including `purge` on 100 000 expired rows.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { sqliteStore } from '../../src/stores/sqlite.ts';
import { jsonOf, runCli } from './run-cli.ts';
import { newKey, record, seedLive } from './seed.ts';

interface Row {
  key: string;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
}

describe('coatcheck CLI on sqlite', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'coatcheck-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('sqlite: migrate creates the database and is idempotent', async () => {
    const file = join(dir, 'migrate.db');
    const first = await runCli(['migrate', '--store', `sqlite:${file}`]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /migrated the sqlite store/);
    assert.ok(existsSync(file));
    const db = new Database(file, { readonly: true });
    assert.ok(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'coatcheck_sessions'").get());
    db.close();
    const again = await runCli(['migrate', '--store', `sqlite:${file}`, '--json']);
    assert.equal(again.code, 0);
    assert.deepEqual(jsonOf(again), { migrated: true, store: 'sqlite' });
  });

  describe('sqlite: with sessions', () => {
    const file = () => join(dir, 'sessions.db');
    const url = () => `sqlite:${file()}`;
    let aliceKeys: string[];
    let bobKey: string;

    before(async () => {
      const store = sqliteStore({ database: file(), pruneIntervalMs: 0 });
      aliceKeys = await seedLive(store, ['alice', 'alice', 'alice']);
      [bobKey = ''] = await seedLive(store, ['bob']);
      await seedLive(store, [null, null]);
      for (const owner of ['alice', null, null, 'carol']) await store.create(newKey(), record(owner, true));
      await store.close();
    });

    test('sqlite: stats counts all, expired and the top users', async () => {
      const run = await runCli(['stats', '--store', url(), '--json']);
      assert.equal(run.code, 0, run.stderr);
      const stats = jsonOf<{
        store: string;
        count: number;
        expired: number;
        topUsers: { userId: string; sessions: number }[];
        latency: { medianMs: number; samples: number };
      }>(run);
      assert.equal(stats.store, 'sqlite');
      assert.equal(stats.count, 10);
      assert.equal(stats.expired, 4);
      assert.deepEqual(stats.topUsers, [
        { userId: 'alice', sessions: 3 },
        { userId: 'bob', sessions: 1 },
      ]);
      assert.equal(stats.latency.samples, 5);
      assert.ok(stats.latency.medianMs >= 0);
      const text = await runCli(['stats', '--store', url()]);
      assert.match(text.stdout, /sessions\s+10 /);
      assert.match(text.stdout, /expired\s+4 /);
      assert.match(text.stdout, /alice\s+3/);
    });

    test('sqlite: list shows one user, or every live session', async () => {
      const alice = jsonOf<Row[]>(await runCli(['list', '--store', url(), '--user', 'alice', '--json']));
      assert.deepEqual(alice.map((r) => r.key).sort(), [...aliceKeys].sort());
      assert.equal(alice[0]?.ip, '10.0.0.7');
      assert.equal(alice[0]?.userAgent, 'TestBrowser/1.0');
      const all = jsonOf<Row[]>(await runCli(['list', '--store', url(), '--json']));
      assert.equal(all.length, 6, 'live sessions only');
      const limited = jsonOf<Row[]>(await runCli(['list', '--store', url(), '--json', '--limit', '2']));
      assert.equal(limited.length, 2);
      const text = await runCli(['list', '--store', url(), '--user', 'bob']);
      assert.match(text.stdout, /^KEY\s+USER\s+CREATED/);
      assert.ok(text.stdout.includes(bobKey));
    });

    test('sqlite: revoke one session by key, then every session of a user', async () => {
      const one = await runCli(['revoke', '--store', url(), '--session', bobKey, '--json']);
      assert.equal(one.code, 0, one.stderr);
      assert.deepEqual(jsonOf(one), { revoked: 1, session: bobKey });
      assert.deepEqual(jsonOf(await runCli(['list', '--store', url(), '--user', 'bob', '--json'])), []);
      const missing = await runCli(['revoke', '--store', url(), '--session', bobKey]);
      assert.match(missing.stdout, /nothing to revoke/);
      const user = await runCli(['revoke', '--store', url(), '--user', 'alice']);
      assert.equal(user.code, 0, user.stderr);
      assert.match(user.stdout, /revoked 3 sessions of user alice/);
      assert.deepEqual(jsonOf(await runCli(['list', '--store', url(), '--user', 'alice', '--json'])), []);
    });
  });

  test('sqlite: purge removes 100 000 expired rows and keeps the live ones', async () => {
    const file = join(dir, 'purge.db');
    const url = `sqlite:${file}`;
    assert.equal((await runCli(['migrate', '--store', url])).code, 0);
    const db = new Database(file);
    const insert = db.prepare(
      `INSERT INTO coatcheck_sessions (key, data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, rev)
       VALUES (?, '{}', ?, ?, ?, ?, ?, 1)`,
    );
    const now = Date.now();
    db.transaction(() => {
      for (let i = 0; i < 100_000; i++)
        insert.run(newKey(), i % 3 === 0 ? `u${i % 50}` : null, now - 9e6, now - 9e6, now - 1000, now + 9e6);
      for (let i = 0; i < 10; i++) insert.run(newKey(), null, now, now, now + 3_600_000, now + 9e6);
    })();
    db.close();

    const dry = await runCli(['purge', '--store', url, '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(jsonOf(dry), { dryRun: true, expired: 100_000 });
    assert.equal(
      jsonOf<{ count: number }>(await runCli(['stats', '--store', url, '--json'])).count,
      100_010,
      'dry run deleted nothing',
    );

    const run = await runCli(['purge', '--store', url]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^purged 100000 expired sessions in [\d.]+ s\n$/,
      'one summary line when not on a terminal',
    );
    assert.equal(run.stderr, '', 'no progress bar when stderr is not a terminal');
    const stats = jsonOf<{ count: number; expired: number }>(
      await runCli(['stats', '--store', url, '--json']),
    );
    assert.equal(stats.count, 10);
    assert.equal(stats.expired, 0);
  });
});
