/**
 * Client-side caching keeps "logout wins" across processes: two app processes (real HTTP servers
 * in child processes) share one Redis through `redisStore({ cache })`. B holds the session in its
 * copy (a hit, no round trip); A logs it out; every request that reaches B after A's response must
 * be refused. 200 rounds × 5 requests = 1 000 requests on B right after a logout, per driver.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RedisCacheStats } from '../../src/stores/redis.ts';
import { serviceSkipReason, uniqueName } from '../support/services.ts';

const APP = fileURLToPath(new URL('./redis-cache-app.ts', import.meta.url));
const ROUNDS = 200;
const REQUESTS_PER_ROUND = 5;
const skip = await serviceSkipReason('redis');

interface App {
  readonly child: ChildProcess;
  readonly base: string;
}

async function startApp(driver: string, prefix: string): Promise<App> {
  const child = spawn(process.execPath, ['--import', 'tsx', APP, driver, prefix], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'development' }, // plain-HTTP cookies, without the warning
  });
  let buffered = '';
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    buffered += chunk.toString();
    const line = buffered.split('\n')[0];
    if (buffered.includes('\n') && line) {
      return { child, base: `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}` };
    }
  }
  throw new Error(`app process exited before listening (${driver})`);
}

async function text(url: string, init: RequestInit = {}): Promise<{ body: string; cookie: string }> {
  const response = await fetch(url, init);
  const cookie = response.headers.get('set-cookie')?.split(';')[0] ?? '';
  return { body: await response.text(), cookie };
}

async function stats(app: App): Promise<RedisCacheStats> {
  return JSON.parse((await text(`${app.base}/stats`)).body) as RedisCacheStats;
}

for (const driver of ['ioredis', 'node-redis']) {
  describe(`redis(${driver}, cache) across 2 app processes`, skip === undefined ? {} : { skip }, () => {
    const apps: App[] = [];
    after(() => {
      for (const app of apps) app.child.kill('SIGTERM');
    });

    it(`redis(${driver}, cache): 1 000 requests on B right after A's logout response, 0 served as logged in`, async (t) => {
      const prefix = `${uniqueName('cc-cache-mp')}:`;
      const [a, b] = await Promise.all([startApp(driver, prefix), startApp(driver, prefix)]);
      apps.push(a!, b!);
      const before = await stats(b!);
      let servedLoggedIn = 0;
      let warmHits = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const { cookie } = await text(`${a!.base}/login`, { method: 'POST' });
        const headers = { cookie };
        // First read fills B's copy; the second is answered from it.
        assert.equal((await text(`${b!.base}/me`, { headers })).body, 'in');
        const hitsBefore = (await stats(b!)).hits;
        assert.equal((await text(`${b!.base}/me`, { headers })).body, 'in');
        warmHits += (await stats(b!)).hits - hitsBefore;
        assert.equal((await text(`${a!.base}/logout`, { method: 'POST', headers })).body, 'bye');
        const answers = await Promise.all(
          Array.from({ length: REQUESTS_PER_ROUND }, () => text(`${b!.base}/me`, { headers })),
        );
        servedLoggedIn += answers.filter((answer) => answer.body === 'in').length;
      }
      const after = await stats(b!);
      const figures = {
        requestsAfterLogout: ROUNDS * REQUESTS_PER_ROUND,
        servedLoggedIn,
        warmReadsAnsweredFromCopy: warmHits,
        invalidationsOnB: after.invalidations - before.invalidations,
        tracking: after.tracking,
      };
      t.diagnostic(JSON.stringify(figures));
      assert.equal(servedLoggedIn, 0);
      // The test proves something only if B was really serving the session from its copy.
      assert.equal(warmHits, ROUNDS);
      assert.ok(after.tracking);
    });
  });
}
