/**
 * Graceful shutdown: `sessions.close()` waits for commits in flight before it closes the store, and
 * an app that closes its server and its sessions exits on its own, with no handle left open.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Store } from '../../src/core/store.ts';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { type ServiceName, serviceSkipReason, serviceUrls } from '../support/services.ts';

const EXIT_BOUND_MS = 30_000;

/** A memory store whose `update` takes `delayMs`, logging when calls start and end. */
function slowUpdates(inner: Store, delayMs: number, log: string[]): Store {
  return Object.assign(Object.create(inner) as Store, {
    name: inner.name,
    async update(...args: Parameters<Store['update']>) {
      log.push('update started');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const result = await inner.update(...args);
      log.push('update done');
      return result;
    },
    async close() {
      log.push('store closed');
      await inner.close();
    },
  });
}

describe('graceful shutdown', () => {
  it('[memory] close() waits for a commit in flight, then closes the store', async () => {
    const log: string[] = [];
    const inner = memoryStore();
    const sessions = createSessions<Record<string, string>>({
      store: slowUpdates(inner, 300, log),
      cookie: { name: 'sid', secure: true },
    });
    const first = sessions.load({});
    await first.set('a', '1');
    const created = await sessions.commit(first, { status: 200 });
    const cookie = created.setCookie?.split(';')[0];
    assert.ok(cookie);

    const second = sessions.load({ cookie });
    await second.set('b', '2');
    const commit = sessions.commit(second, { status: 200 });
    const closed = sessions.close().then(() => log.push('close resolved'));
    await Promise.all([commit, closed]);
    assert.deepEqual(log, ['update started', 'update done', 'store closed', 'close resolved']);
  });

  const urls: Array<{ name: string; url: string; service?: ServiceName }> = [
    { name: 'memory', url: 'memory:' },
    { name: 'sqlite', url: 'sqlite:' },
    { name: 'fs', url: 'file:' },
    { name: 'postgres', url: serviceUrls.postgres, service: 'postgres' },
    { name: 'mysql', url: serviceUrls.mysql, service: 'mysql' },
    { name: 'redis', url: serviceUrls.redis, service: 'redis' },
    { name: 'memcached', url: serviceUrls.memcached, service: 'memcached' },
  ];
  for (const { name, url, service } of urls) {
    it(`[${name}] an app that closes its server and sessions exits on its own`, async (t) => {
      const skip = service === undefined ? undefined : await serviceSkipReason(service);
      if (skip !== undefined) return t.skip(skip);
      const dir = await mkdtemp(join(tmpdir(), 'cc-fault-shutdown-'));
      const target =
        url === 'sqlite:' ? `sqlite:${join(dir, 's.db')}` : url === 'file:' ? `file:${dir}` : url;
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/fault/shutdown-app.ts', target], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const killer = setTimeout(() => child.kill('SIGKILL'), EXIT_BOUND_MS);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.once('exit', (c, s) => resolve([c, s])),
      );
      clearTimeout(killer);
      try {
        assert.equal(signal, null, `the app did not exit by itself within ${EXIT_BOUND_MS} ms: ${stderr}`);
        assert.equal(code, 0, stderr);
        const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
          status?: number;
          saved?: boolean;
        };
        assert.equal(report.status, 200, 'the request in flight at shutdown was answered');
        assert.equal(report.saved, true, 'and its write was committed before the store closed');
      } finally {
        await rm(dir, { recursive: true, force: true });
        await dropTable(name, `cc_shutdown_${child.pid}`);
      }
    });
  }
});

async function dropTable(store: string, table: string): Promise<void> {
  if (store === 'postgres') {
    const client = new pg.Client({ connectionString: serviceUrls.postgres });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS "${table}", "${table}_meta"`);
    await client.end();
  } else if (store === 'mysql') {
    const connection = await mysql.createConnection({ uri: serviceUrls.mysql });
    await connection.query(`DROP TABLE IF EXISTS \`${table}\`, \`${table}_meta\``);
    await connection.end();
  }
}
