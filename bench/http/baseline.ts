/**
 * Before/after: every selected coatcheck variant of this checkout against the same variant of
 * another checkout (`BENCH_BASELINE=/path/to/checkout`, built and with `bench/node_modules`), in
 * interleaved rounds: both servers run at once and each round loads before then after, the next
 * after then before, so a drift of the machine weighs on both alike. Reported per route: the
 * median req/s of each over the rounds, after/before with the spread of the per-round ratios, and
 * the server's CPU time per request (user + system, read from /proc).
 *
 *   BENCH_BASELINE=/tmp/before BENCH_ONLY=express-coatcheck-memory node --import tsx bench/http/baseline.ts
 *
 * `BENCH_AB=a:b,c:d` instead compares variant b against variant a of this checkout, the same way
 * (the overhead of telemetry, of an ORM over its raw driver).
 *
 * Settings: BENCH_ONLY (default: every coatcheck variant), BENCH_DURATION (s per round, 3),
 * BENCH_PAIR_ROUNDS (6), BENCH_ROUTES (comma-separated, default all), BENCH_CONNECTIONS (50), BENCH_WARMUP (s, 1), BENCH_REDIS_PORT (6390).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROUTES, type Route, VARIANTS, WITH_COOKIE } from './catalog.ts';
import { runLoad, type ServerChild, startServer } from './children.ts';
import { benchContext, needsRedis, removeBenchFiles } from './context.ts';
import { cpuSeconds } from './proc-cpu.ts';
import { type BenchRedis, startRedis } from './redis-server.ts';
import { cookiePair, get } from './requests.ts';
import { median, spread } from './stats.ts';
import { type BenchContext, COOKIE_NAME } from './variant.ts';

const env = process.env;
/** `BENCH_ROUTES=/read,/write` measures only those routes (default: all of them). */
const routes = ROUTES.filter((route) => !env.BENCH_ROUTES || env.BENCH_ROUTES.split(',').includes(route));
const number = (name: string, fallback: number) => {
  const value = Number(env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

interface Side {
  readonly server: ServerChild;
  readonly port: number;
  readonly pid: number;
  readonly cookie: string | undefined;
}

interface RouteFigures {
  readonly rps: [number, number];
  readonly cpuUs: [number, number];
  readonly ratios: number[];
}

async function startSide(id: string, ctx: BenchContext, script: string): Promise<Side> {
  const server = await startServer(id, ctx, [], script);
  if (server.start.type !== 'ready') {
    await server.close();
    throw new Error(`${id} (${script}): ${server.start.reason}`);
  }
  const { port, pid } = server.start;
  return { server, port, pid, cookie: cookiePair(await get(port, '/write'), COOKIE_NAME) };
}

async function measure(side: Side, route: Route, duration: number, connections: number) {
  const headers: Record<string, string> =
    WITH_COOKIE.has(route) && side.cookie ? { cookie: side.cookie } : {};
  const cpuBefore = cpuSeconds(side.pid);
  const result = await runLoad({
    url: `http://127.0.0.1:${side.port}${route}`,
    connections,
    headers,
    duration,
  });
  const cpu = cpuSeconds(side.pid) - cpuBefore;
  if (result.errors > 0 || result.non2xx > 0)
    throw new Error(`${route}: ${result.errors} errors, ${result.non2xx} non-2xx responses`);
  return { rps: result.rps, cpuUs: (cpu / Math.max(1, result.total)) * 1e6 };
}

/** One comparison: variant `b.id` from script `b.script` against variant `a.id` from `a.script`. */
interface Sides {
  readonly a: { readonly id: string; readonly script: string };
  readonly b: { readonly id: string; readonly script: string };
}

async function compare({ a, b }: Sides, ctx: BenchContext): Promise<Map<Route, RouteFigures>> {
  const duration = number('BENCH_DURATION', 3);
  const rounds = Math.round(number('BENCH_PAIR_ROUNDS', 6));
  const connections = number('BENCH_CONNECTIONS', 50);
  const warmup = number('BENCH_WARMUP', 1);
  const sides: Side[] = [];
  try {
    const tables = [0, 1].map(() => `bench_base_${process.pid}_${randomBytes(3).toString('hex')}`);
    sides.push(await startSide(a.id, { ...ctx, postgresTable: tables[0] ?? '' }, a.script));
    sides.push(await startSide(b.id, { ...ctx, postgresTable: tables[1] ?? '' }, b.script));
    const figures = new Map<Route, RouteFigures>();
    for (const route of routes) {
      for (const side of sides) await measure(side, route, warmup, connections);
      const rps: [number[], number[]] = [[], []];
      const cpu: [number[], number[]] = [[], []];
      const ratios: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        const got: number[] = [];
        for (const i of order) {
          const side = sides[i];
          if (side === undefined) continue;
          const m = await measure(side, route, duration, connections);
          rps[i as 0 | 1].push(m.rps);
          cpu[i as 0 | 1].push(m.cpuUs);
          got[i] = m.rps;
        }
        ratios.push((got[1] ?? 0) / (got[0] ?? 1));
      }
      const entry: RouteFigures = {
        rps: [median(rps[0]), median(rps[1])],
        cpuUs: [median(cpu[0]), median(cpu[1])],
        ratios,
      };
      figures.set(route, entry);
      process.stderr.write(
        `  ${a.id} → ${b.id} ${route}: ${Math.round(entry.rps[0])} → ${Math.round(entry.rps[1])} req/s (${(entry.rps[1] / entry.rps[0]).toFixed(3)}×)\n`,
      );
    }
    return figures;
  } finally {
    for (const side of sides) await side.server.close();
  }
}

function table(results: ReadonlyMap<Sides, Map<Route, RouteFigures>>, heading: string): string {
  const lines = [
    `${heading} Medians of ${number('BENCH_PAIR_ROUNDS', 6)} interleaved rounds of ${number('BENCH_DURATION', 3)} s, ${number('BENCH_CONNECTIONS', 50)} connections.`,
    '',
    '| A | B | route | A req/s | B req/s | B / A (spread) | CPU µs/req A | B |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  const title = (id: string) => VARIANTS.find((v) => v.id === id)?.title ?? id;
  for (const [sides, routes] of results) {
    for (const [route, f] of routes) {
      lines.push(
        `| ${title(sides.a.id)} | ${title(sides.b.id)} | ${route} | ${Math.round(f.rps[0])} | ${Math.round(f.rps[1])} | ${(f.rps[1] / f.rps[0]).toFixed(3)}× (${spread(f.ratios, 2)}) | ${f.cpuUs[0].toFixed(1)} | ${f.cpuUs[1].toFixed(1)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

const baselineDir = env.BENCH_BASELINE ? resolve(env.BENCH_BASELINE) : undefined;
const here = 'server.ts';
let comparisons: Sides[];
let heading: string;
if (env.BENCH_AB) {
  comparisons = env.BENCH_AB.split(',').map((pair) => {
    const [a = '', b = ''] = pair.split(':').map((id) => id.trim());
    if (!VARIANTS.some((v) => v.id === a) || !VARIANTS.some((v) => v.id === b)) {
      process.stderr.write(
        `BENCH_AB: ${JSON.stringify(pair)} is not two variant ids (bench/http/catalog.ts).\n`,
      );
      process.exit(2);
    }
    return { a: { id: a, script: here }, b: { id: b, script: here } };
  });
  heading = 'A and B from this checkout.';
} else if (baselineDir !== undefined && existsSync(join(baselineDir, 'bench/http/server.ts'))) {
  const only = env.BENCH_ONLY?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const before = join(baselineDir, 'bench/http/server.ts');
  comparisons = VARIANTS.filter(
    (v) => v.ours && (only === undefined || only.length === 0 || only.includes(v.id)),
  ).map((v) => ({ a: { id: v.id, script: before }, b: { id: v.id, script: here } }));
  heading = `A: ${baselineDir} (before). B: this checkout (after).`;
} else {
  process.stderr.write(
    'Set BENCH_BASELINE to another checkout of coatcheck (built, with bench/node_modules), or BENCH_AB=a:b.\n',
  );
  process.exit(2);
}
const ctx = benchContext('bench_base');
let redis: BenchRedis | undefined;
if (needsRedis(comparisons.flatMap(({ a, b }) => [a.id, b.id])))
  redis = await startRedis(number('BENCH_REDIS_PORT', 6390));
const results = new Map<Sides, Map<Route, RouteFigures>>();
try {
  for (const sides of comparisons) {
    process.stderr.write(`${sides.a.id} → ${sides.b.id}\n`);
    results.set(sides, await compare(sides, { ...ctx, redisUrl: redis?.url ?? '' }));
  }
} finally {
  await redis?.stop();
  removeBenchFiles(ctx);
}
const report = table(results, heading);
process.stdout.write(report);
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../results/baseline.md', import.meta.url), report);
