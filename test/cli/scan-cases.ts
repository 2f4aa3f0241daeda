/**
 * The CLI commands that enumerate a store through `Store.scan` (stats, list without --user,
 * purge --dry-run), as one set of tests any backend with scan can run against a real server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/core/store.ts';
import { jsonOf, runCli } from './run-cli.ts';
import { newKey, record, seedLive } from './seed.ts';

/** One backend under test. */
export interface ScanCliBackend {
  /** Store name as `stats` reports it, e.g. `postgres`. */
  readonly name: string;
  readonly skip: string | undefined;
  /** `--store` URL and any extra options (`--table`). */
  readonly args: readonly string[];
  /** The store the tests seed through (same server, same table). */
  open(): Store | Promise<Store>;
  /** Drops what the tests created; called once at the end. */
  cleanup(): Promise<void>;
}

interface Row {
  key: string;
  userId: string | null;
  ip: string | null;
  lastSeenAt: string;
}

/** Registers stats / list / purge --dry-run tests for `backend`. */
export function describeScanCli(backend: ScanCliBackend): void {
  const { name } = backend;
  describe(`coatcheck CLI on ${name}`, backend.skip === undefined ? {} : { skip: backend.skip }, () => {
    const cli = (...args: string[]) => runCli([...args, ...backend.args]);
    let aliceKeys: string[];

    before(async () => {
      assert.equal((await cli('migrate')).code, 0, 'migrate');
      const store = await backend.open();
      try {
        aliceKeys = await seedLive(store, ['alice', 'alice', 'alice']);
        await seedLive(store, ['bob', null]);
        for (const owner of ['alice', null, 'carol']) await store.create(newKey(), record(owner, true));
      } finally {
        await store.close();
      }
    });
    after(() => backend.cleanup());

    test(`${name}: stats counts all, expired and the top users`, async () => {
      const run = await cli('stats', '--json');
      assert.equal(run.code, 0, run.stderr);
      const stats = jsonOf<{ store: string; count: number; expired: number; topUsers: unknown[] }>(run);
      assert.equal(stats.store, name);
      assert.equal(stats.count, 8);
      assert.equal(stats.expired, 3);
      assert.deepEqual(stats.topUsers, [
        { userId: 'alice', sessions: 3 },
        { userId: 'bob', sessions: 1 },
      ]);
      const text = await cli('stats');
      assert.match(text.stdout, /expired\s+3 \(removed by `coatcheck purge`\)/);
      assert.match(text.stdout, /alice\s+3/);
    });

    test(`${name}: list without --user shows every live session, most recently seen first`, async () => {
      const all = jsonOf<Row[]>(await cli('list', '--json'));
      assert.equal(all.length, 5, 'live sessions only');
      const seen = all.map((row) => row.lastSeenAt);
      assert.deepEqual(seen, [...seen].sort().reverse());
      for (const key of aliceKeys) assert.ok(all.some((row) => row.key === key && row.userId === 'alice'));
      assert.equal(all[0]?.ip, '10.0.0.7');
      assert.equal(jsonOf<Row[]>(await cli('list', '--json', '--limit', '2')).length, 2);
      const alice = jsonOf<Row[]>(await cli('list', '--user', 'alice', '--json'));
      assert.deepEqual(alice.map((row) => row.key).sort(), [...aliceKeys].sort());
    });

    test(`${name}: purge --dry-run counts, purge removes the expired sessions`, async () => {
      assert.deepEqual(jsonOf(await cli('purge', '--dry-run', '--json')), { dryRun: true, expired: 3 });
      assert.equal(
        jsonOf<{ count: number }>(await cli('stats', '--json')).count,
        8,
        'dry run deleted nothing',
      );
      const run = await cli('purge', '--json');
      assert.equal(run.code, 0, run.stderr);
      assert.equal(jsonOf<{ purged: number }>(run).purged, 3);
      const stats = jsonOf<{ count: number; expired: number }>(await cli('stats', '--json'));
      assert.deepEqual([stats.count, stats.expired], [5, 0]);
    });
  });
}
