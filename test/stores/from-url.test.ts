import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { ErrorCodes } from '../../src/core/errors.ts';
import { storeCapabilities } from '../../src/core/store.ts';
import { storeFromUrl } from '../../src/stores/from-url.ts';
import { rotationOf } from '../../src/testing/conformance-rotation.ts';
import { randomKey, randomUserId, sampleRecord } from '../../src/testing/records.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';

/** Creates a store from `url`, checks a create/get round trip, then closes it (twice). */
async function roundTrip(url: string, options: Parameters<typeof storeFromUrl>[1] = {}) {
  const store = await storeFromUrl(url, options);
  try {
    const key = randomKey();
    const record = sampleRecord({ data: { via: JSON.stringify(url) } });
    assert.equal(await store.create(key, record), true);
    assert.equal((await store.get(key))?.data.via, JSON.stringify(url));
    await store.delete(key);
    return store;
  } finally {
    await store.close();
    await store.close();
  }
}

describe('storeFromUrl: bad URLs', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    [
      'nope://x',
      /unknown scheme "nope".*redis:\/\/.*postgres:\/\/.*mysql:\/\/.*memcached:\/\/.*sqlite:.*file:.*memory:/,
    ],
    ['localhost:6379', /unknown scheme/],
    ['redis://', /no host/],
    ['redis+cluster://', /at least one host:port/],
    ['redis+cluster://h1:7000,h2:99999', /"h2:99999" is not a valid host:port/],
    ['mysql://root@127.0.0.1:3306', /no database/],
    ['mariadb://root@127.0.0.1:3306/', /no database/],
    ['postgres://[bad', /not a valid URL/],
    ['memcached://', /no host/],
    ['sqlite:', /names no path/],
    ['sqlite://host/file.db', /no host/],
    ['file:', /names no path/],
    ['memory:extra', /takes no host or path/],
  ];
  for (const [url, message] of cases) {
    it(`${JSON.stringify(url)} → ConfigError matching ${message}`, async () => {
      await assert.rejects(storeFromUrl(url), (error: { code?: string; message?: string }) => {
        assert.equal(error.code, ErrorCodes.CONFIG);
        assert.match(error.message ?? '', message);
        return true;
      });
    });
  }

  it('never echoes a password in an error message', async () => {
    await assert.rejects(storeFromUrl('nope://user:s3cret@host/x'), (error: Error) => {
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
  });
});

describe('storeFromUrl: memory', () => {
  it('memory: gives a working memory store with every capability', async () => {
    const store = await roundTrip('memory:');
    assert.equal(store.name, 'memory');
    assert.deepStrictEqual(storeCapabilities(store), {
      userIndex: true,
      reportsExpired: true,
      purge: true,
      count: true,
      scan: true,
      dataUpdate: true,
    });
  });
});

const redisSkip = await serviceSkipReason('redis');
describe('storeFromUrl: redis', redisSkip === undefined ? {} : { skip: redisSkip }, () => {
  it('redis:// gives a store that owns its client and passes rotate, user limits and delete answers through', async () => {
    const store = await storeFromUrl(serviceUrls.redis, { prefix: `${uniqueName('cc_url')}:` });
    try {
      const user = randomUserId();
      const limit = { max: 1, onLimit: 'reject' } as const;
      const [first, second, next] = [randomKey(), randomKey(), randomKey()];
      assert.equal(await store.create(first, sampleRecord({ userId: user }), limit), true);
      assert.equal(await store.create(second, sampleRecord({ userId: user }), limit), 'limit');
      assert.equal(await store.rotate(first, next, rotationOf({}, user)), 'rotated');
      assert.equal(await store.delete(first), true, 'ending the old key ended the session it moved to');
      assert.equal(await store.get(next), undefined);
    } finally {
      await store.close();
    }
    await assert.rejects(store.get(randomKey()), 'after close the client is gone');
  });
});

const pgSkip = await serviceSkipReason('postgres');
describe('storeFromUrl: postgres', pgSkip === undefined ? {} : { skip: pgSkip }, () => {
  it('postgres:// and postgresql:// create a working store that owns its pool', async () => {
    for (const scheme of ['postgres', 'postgresql']) {
      const table = uniqueName('cc_url_pg');
      const url = serviceUrls.postgres.replace(/^postgres(ql)?:/, `${scheme}:`);
      const store = await roundTrip(url, { table });
      assert.equal(store.name, 'postgres');
      // After close the pool is ended: a new call fails instead of hanging.
      await assert.rejects(store.get(randomKey()));
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: serviceUrls.postgres });
      await pool.query(`DROP TABLE IF EXISTS "${table}", "${table}_meta"`);
      await pool.end();
    }
  });
});

const mySkip = await serviceSkipReason('mysql');
describe('storeFromUrl: mysql', mySkip === undefined ? {} : { skip: mySkip }, () => {
  it('mysql:// and mariadb:// create a working store that owns its pool', async () => {
    for (const scheme of ['mysql', 'mariadb']) {
      const table = uniqueName('cc_url_my');
      const url = serviceUrls.mysql.replace(/^(mysql|mariadb):/, `${scheme}:`);
      const store = await roundTrip(url, { table });
      assert.equal(store.name, 'mysql');
      await assert.rejects(store.get(randomKey()));
      const { default: mysql } = await import('mysql2/promise');
      const pool = mysql.createPool({ uri: serviceUrls.mysql });
      await pool.query(`DROP TABLE IF EXISTS \`${table}\`, \`${table}_meta\``);
      await pool.end();
    }
  });
});

describe('storeFromUrl: sqlite', () => {
  it('sqlite:./relative and sqlite:///absolute create working stores on that file', async () => {
    const { mkdtempSync, rmSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join, relative } = await import('node:path');
    const directory = mkdtempSync(join(tmpdir(), 'coatcheck-url-'));
    try {
      const absolute = join(directory, 'abs.db');
      assert.equal((await roundTrip(`sqlite://${absolute}`)).name, 'sqlite');
      assert.ok(existsSync(absolute), 'the absolute path was used');
      const rel = relative(process.cwd(), join(directory, 'rel.db'));
      await roundTrip(`sqlite:${rel.startsWith('.') ? rel : `./${rel}`}`);
      assert.ok(existsSync(join(directory, 'rel.db')), 'the relative path was used');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('storeFromUrl: driver timeouts', () => {
  it('memcached: a server that accepts but never answers fails a call within 1.5 s, not the driver default 5 s', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const store = await storeFromUrl(`memcached://127.0.0.1:${port}`);
    const started = Date.now();
    try {
      await assert.rejects(store.get(randomKey()));
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 1000 && elapsed < 3000, `failed after ${elapsed} ms`);
    } finally {
      await store.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
