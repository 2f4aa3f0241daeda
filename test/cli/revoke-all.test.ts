/**
 * `coatcheck revoke --all` against every store with scan, each in a namespace of its own (a SQLite
 * file, a PostgreSQL or MySQL table, a Redis key prefix): the confirmation, the revocation of live
 * and expired records across many scan pages, and the progress bar on a real terminal.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Store } from '../../src/core/store.ts';
import { mysqlStore } from '../../src/stores/mysql.ts';
import { postgresStore } from '../../src/stores/postgres.ts';
import { redisStore } from '../../src/stores/redis.ts';
import { sqliteStore } from '../../src/stores/sqlite.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';
import { jsonOf, runCli } from './run-cli.ts';
import { newKey, record, seedLive } from './seed.ts';

interface Backend {
  readonly name: string;
  readonly skip: string | undefined;
  /** `--store` and the namespace options. */
  readonly args: readonly string[];
  /** Whether the backend keeps expired records until a purge (Redis forgets them itself). */
  readonly keepsExpired: boolean;
  open(): Store;
  cleanup(): Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), 'coatcheck-cli-revoke-'));
const sqliteFile = join(dir, 'sessions.db');
const table = uniqueName('cc_revoke');
const prefix = `${uniqueName('revoke')}:`;

const skips = {
  postgres: await serviceSkipReason('postgres'),
  mysql: await serviceSkipReason('mysql'),
  redis: await serviceSkipReason('redis'),
};
const pgPool =
  skips.postgres === undefined ? new pg.Pool({ connectionString: serviceUrls.postgres, max: 4 }) : undefined;
const mysqlPool =
  skips.mysql === undefined ? mysql.createPool({ uri: serviceUrls.mysql, connectionLimit: 4 }) : undefined;
const redis = skips.redis === undefined ? new Redis(serviceUrls.redis) : undefined;

const backends: Backend[] = [
  {
    name: 'sqlite',
    skip: undefined,
    args: ['--store', `sqlite:${sqliteFile}`],
    keepsExpired: true,
    open: () => sqliteStore({ database: sqliteFile, pruneIntervalMs: 0 }),
    async cleanup() {},
  },
  {
    name: 'postgres',
    skip: skips.postgres,
    args: ['--store', serviceUrls.postgres, '--table', table],
    keepsExpired: true,
    open: () => postgresStore({ pool: pgPool as pg.Pool, table, pruneIntervalMs: 0 }),
    async cleanup() {
      await pgPool?.query(`DROP TABLE IF EXISTS "${table}", "${table}_meta"`);
    },
  },
  {
    name: 'mysql',
    skip: skips.mysql,
    args: ['--store', serviceUrls.mysql, '--table', table],
    keepsExpired: true,
    open: () => mysqlStore({ pool: mysqlPool as mysql.Pool, table, pruneIntervalMs: 0 }),
    async cleanup() {
      await mysqlPool?.query(`DROP TABLE IF EXISTS \`${table}\`, \`${table}_meta\``);
    },
  },
  {
    name: 'redis',
    skip: skips.redis,
    args: ['--store', serviceUrls.redis, '--prefix', prefix],
    keepsExpired: false,
    open: () => redisStore({ client: redis as Redis, prefix }),
    async cleanup() {
      const keys = (await redis?.keys(`${prefix}*`)) ?? [];
      if (keys.length > 0) await redis?.del(...keys);
    },
  },
];

after(async () => {
  await pgPool?.end();
  await mysqlPool?.end();
  await redis?.quit();
  rmSync(dir, { recursive: true, force: true });
});

for (const backend of backends) {
  const { name } = backend;
  describe(
    `coatcheck revoke --all on ${name}`,
    backend.skip === undefined ? {} : { skip: backend.skip },
    () => {
      const cli = (args: string[], input?: string) => runCli([...args, ...backend.args], {}, input);
      let store: Store;
      let keys: string[];
      const expired = backend.keepsExpired ? 2 : 0;

      before(async () => {
        assert.equal((await cli(['migrate'])).code, 0, 'migrate');
        store = backend.open();
        keys = await seedLive(store, ['alice', 'alice', 'alice', 'bob', null]);
        for (let i = 0; i < expired; i++) {
          const key = newKey();
          await store.create(key, record('carol', true));
          keys.push(key);
        }
      });
      after(async () => {
        await store.close();
        await backend.cleanup();
      });

      test(`${name}: asks first, and a "no" or no answer at all revokes nothing (exit 1)`, async () => {
        const total = 5 + expired;
        for (const input of ['no\n', undefined]) {
          const run = await cli(['revoke', '--all'], input);
          assert.equal(run.code, 1, run.stderr);
          assert.match(
            run.stderr,
            new RegExp(
              `^Revoke all ${total} sessions in the ${name} store at .+\\? Every user will be logged out\\.`,
            ),
          );
          assert.match(run.stderr, /coatcheck: not confirmed: nothing was revoked \(pass --yes/);
          assert.equal(run.stdout, '');
        }
        assert.equal(
          jsonOf<unknown[]>(await cli(['list', '--json'])).length,
          5,
          'every live session is still there',
        );
      });

      test(`${name}: "yes" on stdin ends every session, live and expired`, async () => {
        const run = await cli(['revoke', '--all'], 'yes\n');
        assert.equal(run.code, 0, run.stderr);
        const removedExpired = expired === 0 ? '' : ` \\(and removed ${expired} expired sessions\\)`;
        assert.match(
          run.stdout,
          new RegExp(
            `^revoked 5 sessions${removedExpired}: every user of the ${name} store is logged out\\n$`,
          ),
        );
        for (const key of keys) assert.equal(await store.get(key), undefined, 'no record is left');
        assert.deepEqual(jsonOf(await cli(['list', '--json'])), []);
        assert.equal(
          (await cli(['revoke', '--all'])).stdout,
          'no sessions to revoke\n',
          'nothing to ask about',
        );
      });

      test(`${name}: --yes asks nothing and revokes 1 200 sessions across scan pages`, async () => {
        const many = await seedLive(
          store,
          Array.from({ length: 1200 }, (_, i) => (i % 2 === 0 ? `u${i % 7}` : null)),
        );
        const run = await cli(['revoke', '--all', '--yes', '--json']);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stderr, '', 'no question, no progress bar off a terminal');
        assert.deepEqual(jsonOf(run), { revoked: 1200, expiredRemoved: 0 });
        for (const key of [many[0], many[599], many[1199]])
          assert.equal(await store.get(key ?? ''), undefined);
        assert.deepEqual(jsonOf(await cli(['list', '--json'])), []);
      });
    },
  );
}

/** Runs the CLI under a pseudo-terminal (util-linux `script`), so stderr is a TTY as in a shell. */
function runOnTerminal(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
  const quoted = [process.execPath, '--import', 'tsx', main, ...args].map(
    (a) => `'${a.replace(/'/g, "'\\''")}'`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', quoted.join(' '), '/dev/null'], {
      env: { ...process.env, COATCHECK_STORE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('coatcheck revoke --all on a terminal', () => {
  test('sqlite: a progress bar counts up to every session', async () => {
    const file = join(dir, 'terminal.db');
    const store = sqliteStore({ database: file, pruneIntervalMs: 0 });
    await seedLive(
      store,
      Array.from({ length: 1500 }, () => null),
    );
    await store.close();
    const run = await runOnTerminal(['revoke', '--all', '--yes', '--store', `sqlite:${file}`]);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /\rrevoking \[#{0,29}\.+\] \d+% \d+\/1500/, 'a partial bar');
    assert.match(run.output, /\rrevoking \[#{30}\] 100% 1500\/1500\r?\n/, 'the full bar, then a new line');
    assert.match(run.output, /revoked 1500 sessions: every user of the sqlite store is logged out/);
  });
});
