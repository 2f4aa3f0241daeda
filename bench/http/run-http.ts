/**
 * The HTTP benchmark: every variant of the catalog, each route under autocannon (50 connections,
 * BENCH_DURATION seconds, BENCH_REPS repetitions, median kept), plus store operations per request
 * counted from the store side over BENCH_TRIPS sequential requests.
 *
 * Environment: BENCH_DURATION (s, default 5), BENCH_REPS (default 3), BENCH_CONNECTIONS (50),
 * BENCH_WARMUP (s per route before the measured runs, default 1), BENCH_TRIPS (default 100),
 * BENCH_ONLY (comma-separated variant ids), BENCH_REDIS_PORT (default 6390), COATCHECK_PG_URL,
 * BENCH_CPU_PROF (a directory: coatcheck servers write `--cpu-prof` profiles there), BENCH_PAIRS=0
 * (skip the interleaved pairs of interleaved.ts), BENCH_PAIR_ROUNDS (default 6, at least 5),
 * BENCH_PAIR_DURATION (s per round, default 3). BENCH_QUICK=1 changes the defaults to a short run:
 * 1 s × 1 run per route, 0.5 s warm-up, 20 counted requests, 5 pair rounds of 1.5 s.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROUTES,
  type Route,
  TRIP_CASES,
  type TripLabel,
  VARIANTS,
  type VariantInfo,
  WITH_COOKIE,
} from './catalog.ts';
import { type LoadResult, pinned, runLoad, type ServerChild, startServer } from './children.ts';
import { benchContext, needsRedis, removeBenchFiles } from './context.ts';
import { type PairResult, runPairs } from './interleaved.ts';
import { type BenchRedis, startRedis } from './redis-server.ts';
import { cookiePair, get } from './requests.ts';
import type { BenchContext } from './variant.ts';
import { COOKIE_NAME } from './variant.ts';

/** Median of the measured runs of one route, with every run kept. */
export interface RouteResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly runs: readonly LoadResult[];
}

/** Store round trips (or store calls) per request, and what they were, e.g. `get+expire`. */
export interface Trips {
  readonly perRequest: number;
  readonly what: string;
}

export interface VariantResult {
  readonly id: string;
  readonly title: string;
  readonly status: 'ok' | 'unavailable' | 'failed';
  readonly reason?: string;
  readonly routes: Partial<Record<Route, RouteResult>>;
  readonly trips: Partial<Record<TripLabel, Trips>>;
}

export interface HttpSettings {
  readonly quick: boolean;
  readonly duration: number;
  readonly reps: number;
  readonly connections: number;
  readonly warmup: number;
  readonly trips: number;
  readonly pinned: boolean;
  readonly pairRounds: number;
  readonly pairDuration: number;
}

const env = process.env;
const num = (name: string, fallback: number) => {
  const value = Number(env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

const quick = env.BENCH_QUICK === '1';
export const settings: HttpSettings = {
  quick,
  duration: num('BENCH_DURATION', quick ? 1 : 5),
  reps: Math.round(num('BENCH_REPS', quick ? 1 : 3)),
  connections: Math.round(num('BENCH_CONNECTIONS', 50)),
  warmup: env.BENCH_WARMUP === '0' ? 0 : num('BENCH_WARMUP', quick ? 0.5 : 1),
  trips: Math.round(num('BENCH_TRIPS', quick ? 20 : 100)),
  pinned,
  // A median needs rounds: fewer than 5 would let one disturbed round decide.
  pairRounds: Math.max(5, Math.round(num('BENCH_PAIR_ROUNDS', quick ? 5 : 6))),
  pairDuration: num('BENCH_PAIR_DURATION', quick ? 1.5 : 3),
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function describe(counts: Record<string, number>, n: number): { perRequest: number; what: string } {
  const parts = Object.entries(counts)
    .filter(([, calls]) => calls > 0)
    .map(([name, calls]) => {
      const each = calls / n;
      return each === 1 ? name : `${Number(each.toFixed(2))}×${name}`;
    });
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return { perRequest: total / n, what: parts.length === 0 ? '-' : parts.join('+') };
}

async function countTrips(
  info: VariantInfo,
  server: ServerChild,
  redis: BenchRedis | undefined,
  port: number,
  route: Route,
  cookie: string | undefined,
): Promise<Trips | undefined> {
  if (info.counted === 'none') return undefined;
  const n = settings.trips;
  await server.ask('reset');
  if (info.counted === 'redis') await redis?.reset();
  for (let i = 0; i < n; i++) await get(port, route, cookie);
  if (info.counted === 'local') return describe(await server.ask('counts'), n);
  if (redis === undefined) return undefined;
  const { reads, commands } = await redis.counts();
  return { perRequest: reads / n, what: describe(commands, n).what };
}

async function measure(port: number, route: Route, cookie: string | undefined): Promise<RouteResult> {
  const url = `http://127.0.0.1:${port}${route}`;
  const headers: Record<string, string> = WITH_COOKIE.has(route) && cookie !== undefined ? { cookie } : {};
  const base = { url, connections: settings.connections, headers };
  if (settings.warmup > 0) await runLoad({ ...base, duration: settings.warmup });
  const runs: LoadResult[] = [];
  for (let rep = 0; rep < settings.reps; rep++)
    runs.push(await runLoad({ ...base, duration: settings.duration }));
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((sum, r) => sum + r.errors + r.non2xx, 0),
    runs,
  };
}

async function runVariant(
  info: VariantInfo,
  ctx: BenchContext,
  redis: BenchRedis | undefined,
): Promise<VariantResult> {
  const base = { id: info.id, title: info.title, routes: {}, trips: {} };
  if (info.counted === 'redis' && redis === undefined) {
    return { ...base, status: 'unavailable', reason: 'no Redis for the bench (redis-server not found)' };
  }
  const profileDir = env.BENCH_CPU_PROF;
  const extra = profileDir && info.ours ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const server = await startServer(info.id, ctx, extra);
  if (server.start.type !== 'ready') {
    await server.close();
    return { ...base, status: server.start.type, reason: server.start.reason };
  }
  const { port, pid } = server.start;
  if (extra.length > 0) appendFileSync(join(profileDir!, 'variants.txt'), `${pid} ${info.id}\n`);
  const routes: Partial<Record<Route, RouteResult>> = {};
  const trips: Partial<Record<TripLabel, Trips>> = {};
  try {
    const cookie = cookiePair(await get(port, '/write'), COOKIE_NAME);
    // One pass first, so one-time costs (script loading, prepared statements) are not counted.
    for (const c of TRIP_CASES) await get(port, c.route, c.cookie ? cookie : undefined);
    // Counted on a quiet server; /new last so its sessions never evict ours from an LRU.
    for (const c of TRIP_CASES) {
      const counted = await countTrips(info, server, redis, port, c.route, c.cookie ? cookie : undefined);
      if (counted !== undefined) trips[c.label] = counted;
    }
    for (const route of ROUTES) {
      const result = await measure(port, route, cookie);
      routes[route] = result;
      process.stderr.write(`  ${info.id} ${route}: ${Math.round(result.rps)} req/s (p99 ${result.p99} ms)\n`);
    }
  } catch (error) {
    await server.close();
    const reason = error instanceof Error ? error.message : String(error);
    return { ...base, routes, trips, status: 'failed', reason };
  }
  await server.close();
  return { ...base, status: 'ok', routes, trips };
}

/** The interleaved pairs of the last {@link runHttpBenchmark} (see interleaved.ts). */
export let pairs: PairResult[] = [];

/** Runs the selected variants one after the other and returns their results. */
export async function runHttpBenchmark(): Promise<VariantResult[]> {
  const only = env.BENCH_ONLY?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const selected = only?.length ? VARIANTS.filter((v) => only.includes(v.id)) : VARIANTS;
  const ctx = benchContext('bench_sessions');
  let redis: BenchRedis | undefined;
  if (needsRedis(selected.map((v) => v.id))) {
    redis = await startRedis(num('BENCH_REDIS_PORT', 6390)).catch((error: unknown) => {
      process.stderr.write(`bench: no Redis (${error instanceof Error ? error.message : String(error)})\n`);
      return undefined;
    });
  }
  const results: VariantResult[] = [];
  try {
    for (const info of selected) {
      process.stderr.write(`${info.title}\n`);
      results.push(await runVariant(info, { ...ctx, redisUrl: redis?.url ?? '' }, redis));
    }
    if (env.BENCH_PAIRS !== '0') {
      process.stderr.write('interleaved pairs\n');
      pairs = await runPairs(
        new Set(selected.map((v) => v.id)),
        { ...ctx, redisUrl: redis?.url ?? '' },
        {
          duration: settings.pairDuration,
          connections: settings.connections,
          warmup: settings.warmup,
          rounds: settings.pairRounds,
        },
      );
    }
  } finally {
    await redis?.stop();
    removeBenchFiles(ctx);
  }
  return results;
}
