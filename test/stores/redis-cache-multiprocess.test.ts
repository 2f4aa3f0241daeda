/**
 * Client-side caching keeps "logout wins" across processes: two app processes (real HTTP servers
 * in child processes) share one Redis through `redisStore({ cache })`. B holds the session in its
 * copy (a hit, no round trip); A logs it out; every request that reaches B after A's response must
 * be refused. 200 rounds × 5 requests = 1 000 requests on B right after a logout, per driver
 * (the rounds are in redis-cache-apps.ts, shared with the Cluster suite).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { serviceSkipReason, uniqueName } from '../support/services.ts';
import { type CacheApp, revocationRounds, startCacheApp } from './redis-cache-apps.ts';

const skip = await serviceSkipReason('redis');

for (const driver of ['ioredis', 'node-redis']) {
  describe(`redis(${driver}, cache) across 2 app processes`, skip === undefined ? {} : { skip }, () => {
    const apps: CacheApp[] = [];
    after(() => {
      for (const app of apps) app.child.kill('SIGTERM');
    });

    it(`redis(${driver}, cache): 1 000 requests on B right after A's logout response, 0 served as logged in`, async (t) => {
      const prefix = `${uniqueName('cc-cache-mp')}:`;
      const [a, b] = await Promise.all([startCacheApp(driver, prefix), startCacheApp(driver, prefix)]);
      apps.push(a, b);
      const figures = await revocationRounds(a, b, 200, 5);
      t.diagnostic(JSON.stringify(figures));
      assert.equal(figures.requestsAfterLogout, 1000);
    });
  });
}
