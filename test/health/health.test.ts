/**
 * `sessions.health()` on real stores: a ping under a deadline, the capabilities, and for a caching
 * tier its front and back on their own. A store that does not answer (Redis behind a blackholing
 * proxy) is `down` within the deadline; a tier whose front does not answer is `degraded`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createSessions, type Sessions } from '../../src/index.ts';
import { cacheStore } from '../../src/stores/cache.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { redisStore } from '../../src/stores/redis.ts';
import { sqliteStore } from '../../src/stores/sqlite.ts';
import { FaultProxy } from '../support/fault-proxy.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';

const redisSkip = await serviceSkipReason('redis');
const cookie = { name: 'sid', secure: false } as const;

describe('sessions.health()', () => {
  it('memory: ok, with latency and the capabilities', async () => {
    const sessions = createSessions({ store: memoryStore(), cookie });
    const report = await sessions.health();
    assert.equal(report.status, 'ok');
    assert.equal(report.store.name, 'memory');
    assert.equal(report.store.ok, true);
    assert.ok(report.store.latencyMs >= 0 && report.store.latencyMs < 1000);
    assert.deepEqual(report.capabilities, sessions.capabilities);
    assert.equal(report.cache, undefined);
    await sessions.close();
  });

  it('cache(memory→sqlite): front and back probed, hit counts and ratio from real reads', async () => {
    const back = sqliteStore({ database: ':memory:' });
    await back.migrate();
    const sessions = createSessions<{ n?: number }>({
      store: cacheStore({ front: memoryStore(), back }),
      cookie,
    });
    let report = await sessions.health();
    assert.equal(report.status, 'ok');
    assert.equal(report.cache?.front.name, 'memory');
    assert.equal(report.cache?.back.name, 'sqlite');
    assert.equal(report.cache?.front.ok, true);
    assert.equal(report.cache?.back.ok, true);
    // The probes themselves went through the tier's read path: misses, never hits.
    const missesAfterProbe = report.cache?.misses ?? 0;
    assert.equal(report.cache?.hits, 0);
    // One session written, then read by three requests: the first read fills the front, two hit.
    const first = sessions.load({ cookie: undefined });
    await first.set('n', 1);
    const { setCookie } = await sessions.commit(first, { status: 200 });
    const sent = setCookie!.split(';')[0];
    for (let i = 0; i < 3; i++) {
      const again = sessions.load({ cookie: sent });
      assert.equal(await again.get('n'), 1);
      await sessions.commit(again, { status: 200 });
    }
    report = await sessions.health();
    assert.equal(report.cache?.hits, 2);
    assert.equal(report.cache?.misses, missesAfterProbe + 2, 'one fill, and this probe');
    assert.equal(report.cache?.hitRatio, 2 / (2 + missesAfterProbe + 2));
    await sessions.close();
  });

  it('a timeout that is not a duration is refused with a ConfigError', async () => {
    const sessions = createSessions({ store: memoryStore(), cookie });
    await assert.rejects(sessions.health({ timeout: 'soon' as never }), { code: 'COATCHECK_CONFIG' });
    await sessions.close();
  });
});

describe('sessions.health() with a store that does not answer (redis behind a proxy)', {
  skip: redisSkip,
}, () => {
  let proxy: FaultProxy;
  let client: Redis;
  const prefix = `${uniqueName('cc-health')}:`;

  before(async () => {
    const target = new URL(serviceUrls.redis);
    proxy = await FaultProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
    client = new Redis({ host: '127.0.0.1', port: proxy.port, maxRetriesPerRequest: 1 });
  });
  after(async () => {
    await proxy.set('forward');
    client.disconnect();
    await proxy.close();
  });

  const open = (tiered: boolean): Sessions => {
    const redis = redisStore({ client, prefix });
    return createSessions({
      store: tiered ? cacheStore({ front: redis, back: memoryStore() }) : redis,
      cookie,
      storeTimeout: 2000,
    });
  };

  it('redis: ok while it answers, down within the given deadline once it does not', async () => {
    const sessions = open(false);
    assert.equal((await sessions.health()).status, 'ok');
    await proxy.set('blackhole');
    const started = performance.now();
    const report = await sessions.health({ timeout: '150ms' });
    const took = performance.now() - started;
    assert.equal(report.status, 'down');
    assert.equal(report.store.ok, false);
    assert.equal(report.store.error?.code, 'COATCHECK_STORE_UNAVAILABLE');
    assert.match(report.store.error?.message ?? '', /did not answer `get` within 150 ms/);
    assert.ok(took >= 140 && took < 1000, `answered in ${took} ms`);
    await proxy.set('forward');
  });

  it('cache(redis→memory): a front that does not answer leaves the tier degraded, not down', async () => {
    const sessions = open(true);
    await proxy.set('blackhole');
    const report = await sessions.health({ timeout: 150 });
    assert.equal(report.status, 'degraded');
    assert.equal(report.cache?.front.ok, false);
    assert.equal(report.cache?.back.ok, true);
    await proxy.set('forward');
  });
});
