/**
 * The cross-process revocation check of client-side caching, shared by the standalone and the
 * Cluster suites: two app processes (redis-cache-app.ts, real HTTP servers in child processes) on
 * one Redis through `redisStore({ cache })`; B holds the session in its copy (a hit, no round
 * trip); A logs it out; every request that reaches B after A's response must be refused.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RedisCacheStats } from '../../src/stores/redis.ts';

const APP = fileURLToPath(new URL('./redis-cache-app.ts', import.meta.url));

/** One app process. */
export interface CacheApp {
  readonly child: ChildProcess;
  readonly base: string;
}

/**
 * Starts an app process on `driver` (`ioredis`, `node-redis`, or `ioredis-cluster` with
 * `clusterNodes` as `host:port,host:port`) with store prefix `prefix`.
 */
export async function startCacheApp(driver: string, prefix: string, clusterNodes = ''): Promise<CacheApp> {
  const child = spawn(process.execPath, ['--import', 'tsx', APP, driver, prefix], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // plain-HTTP cookies, without the warning
    env: { ...process.env, NODE_ENV: 'development', CACHE_APP_CLUSTER_NODES: clusterNodes },
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

export async function text(url: string, init: RequestInit = {}): Promise<{ body: string; cookie: string }> {
  const response = await fetch(url, init);
  const cookie = response.headers.get('set-cookie')?.split(';')[0] ?? '';
  return { body: await response.text(), cookie };
}

export async function cacheStats(app: CacheApp): Promise<RedisCacheStats> {
  return JSON.parse((await text(`${app.base}/stats`)).body) as RedisCacheStats;
}

/** Waits (10 s at most) until `app`'s tracking connection is up, so its copy may serve. */
export async function trackingUp(app: CacheApp): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await cacheStats(app)).tracking) {
    if (Date.now() > deadline) throw new Error(`tracking not up on ${app.base} after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What {@link revocationRounds} measured. */
export interface RevocationFigures {
  readonly requestsAfterLogout: number;
  readonly servedLoggedIn: number;
  readonly warmReadsAnsweredFromCopy: number;
  readonly invalidationsOnB: number;
  readonly tracking: boolean;
}

/**
 * `rounds` rounds of: A logs in; B reads twice (the second from its copy); A logs out; then
 * `perRound` parallel requests on B, each of which must be refused. Asserts the copy was really
 * serving (every warm read a hit), nothing was served logged in, and tracking is up at the end.
 */
export async function revocationRounds(
  a: CacheApp,
  b: CacheApp,
  rounds: number,
  perRound: number,
): Promise<RevocationFigures> {
  await trackingUp(a);
  await trackingUp(b);
  const before = await cacheStats(b);
  let servedLoggedIn = 0;
  let warmHits = 0;
  for (let round = 0; round < rounds; round++) {
    const { cookie } = await text(`${a.base}/login`, { method: 'POST' });
    const headers = { cookie };
    assert.equal((await text(`${b.base}/me`, { headers })).body, 'in');
    const hitsBefore = (await cacheStats(b)).hits;
    assert.equal((await text(`${b.base}/me`, { headers })).body, 'in');
    warmHits += (await cacheStats(b)).hits - hitsBefore;
    assert.equal((await text(`${a.base}/logout`, { method: 'POST', headers })).body, 'bye');
    const answers = await Promise.all(
      Array.from({ length: perRound }, () => text(`${b.base}/me`, { headers })),
    );
    servedLoggedIn += answers.filter((answer) => answer.body === 'in').length;
  }
  const after = await cacheStats(b);
  const figures = {
    requestsAfterLogout: rounds * perRound,
    servedLoggedIn,
    warmReadsAnsweredFromCopy: warmHits,
    invalidationsOnB: after.invalidations - before.invalidations,
    tracking: after.tracking,
  };
  assert.equal(servedLoggedIn, 0);
  // The check proves something only if B was really serving the session from its copy.
  assert.equal(warmHits, rounds);
  assert.ok(after.tracking);
  return figures;
}
