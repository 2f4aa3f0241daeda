/**
 * Pairs of variants measured in interleaved rounds: both servers run at once (fresh ones for each
 * pair), and for each route every round loads A then B, the next B then A, so a drift of the
 * shared machine (other load, thermal state) weighs on both alike. Each round keeps both sides'
 * req/s, server CPU µs per request (from /proc, so autocannon's CPU is never counted), p99 and
 * slowest request; the reports (pair-report.ts) take medians over rounds of per-round ratios and
 * differences, with their spread. BENCH_PAIR_ROUNDS rounds (default 6, at least 5) of
 * BENCH_DURATION seconds.
 */
import { randomBytes } from 'node:crypto';
import { PAIRS, type PairSpec, type Route, VARIANTS, WITH_COOKIE } from './catalog.ts';
import { runLoad, type ServerChild, startServer } from './children.ts';
import { cpuSeconds } from './proc-cpu.ts';
import { cookiePair, get } from './requests.ts';
import { median } from './stats.ts';
import { type BenchContext, COOKIE_NAME } from './variant.ts';

/** One side's figures, one entry per round (round i of A and of B ran back to back). */
export interface SideRounds {
  readonly rps: number[];
  readonly cpuUs: number[];
  readonly p99: number[];
  readonly max: number[];
  errors: number;
}

/** One pair's rounds per route. */
export interface PairResult {
  readonly a: string;
  readonly b: string;
  readonly connections: number;
  readonly rounds: number;
  readonly routes: Partial<Record<Route, { readonly a: SideRounds; readonly b: SideRounds }>>;
}

/** Load settings of the pairs. */
export interface PairLoad {
  readonly duration: number;
  readonly connections: number;
  readonly warmup: number;
  readonly rounds: number;
}

interface Side {
  readonly server: ServerChild;
  readonly port: number;
  readonly pid: number;
  readonly cookie: string | undefined;
}

async function startSide(id: string, ctx: Omit<BenchContext, 'postgresTable'>): Promise<Side> {
  const table = `bench_pair_${process.pid}_${randomBytes(3).toString('hex')}`;
  const server = await startServer(id, { ...ctx, postgresTable: table }, []);
  if (server.start.type !== 'ready') {
    await server.close();
    throw new Error(`${id}: ${server.start.reason}`);
  }
  const { port, pid } = server.start;
  return { server, port, pid, cookie: cookiePair(await get(port, '/write'), COOKIE_NAME) };
}

async function load(side: Side, route: Route, duration: number, connections: number, into?: SideRounds) {
  const headers: Record<string, string> =
    WITH_COOKIE.has(route) && side.cookie ? { cookie: side.cookie } : {};
  const before = cpuSeconds(side.pid);
  const url = `http://127.0.0.1:${side.port}${route}`;
  // One retry: on the shared machine an autocannon child is now and then killed before it reports.
  const result = await runLoad({ url, connections, headers, duration }).catch(() =>
    runLoad({ url, connections, headers, duration }),
  );
  if (into === undefined) return;
  into.rps.push(result.rps);
  into.cpuUs.push(((cpuSeconds(side.pid) - before) / Math.max(1, result.total)) * 1e6);
  into.p99.push(result.p99);
  into.max.push(result.max);
  into.errors += result.errors + result.non2xx;
}

async function runPair(spec: PairSpec, ctx: Omit<BenchContext, 'postgresTable'>, settings: PairLoad) {
  const connections = spec.connections ?? settings.connections;
  const sides: Side[] = [];
  try {
    for (const id of [spec.a, spec.b]) sides.push(await startSide(id, ctx));
    const routes: PairResult['routes'] = {};
    for (const route of spec.routes) {
      for (const side of sides)
        if (settings.warmup > 0) await load(side, route, settings.warmup, connections);
      const got = { a: rounds(), b: rounds() };
      for (let round = 0; round < settings.rounds; round++) {
        const order = round % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
        for (const key of order) {
          const side = sides[key === 'a' ? 0 : 1];
          if (side !== undefined) await load(side, route, settings.duration, connections, got[key]);
        }
      }
      routes[route] = got;
      process.stderr.write(
        `  ${spec.a} vs ${spec.b} ${route} (${connections} conn.): ${Math.round(median(got.a.rps))} / ${Math.round(median(got.b.rps))} req/s\n`,
      );
    }
    return { a: spec.a, b: spec.b, connections, rounds: settings.rounds, routes };
  } finally {
    for (const side of sides) await side.server.close();
  }
}

const rounds = (): SideRounds => ({ rps: [], cpuUs: [], p99: [], max: [], errors: 0 });

/** Runs every pair of {@link PAIRS} whose two variants are both among `selected`. */
export async function runPairs(
  selected: ReadonlySet<string>,
  ctx: Omit<BenchContext, 'postgresTable'>,
  settings: PairLoad,
): Promise<PairResult[]> {
  const results: PairResult[] = [];
  for (const spec of PAIRS) {
    if (!selected.has(spec.a) || !selected.has(spec.b)) continue;
    if (!VARIANTS.some((v) => v.id === spec.a) || !VARIANTS.some((v) => v.id === spec.b)) continue;
    try {
      results.push(await runPair(spec, ctx, settings));
    } catch (error) {
      process.stderr.write(`  ${spec.a} vs ${spec.b}: ${error instanceof Error ? error.message : error}\n`);
    }
  }
  return results;
}
