/**
 * Pairs of variants measured in interleaved rounds: both servers run at once, and for each route
 * every round loads A then B, the next B then A, so a drift of the shared machine (other load,
 * thermal state) weighs on both alike. The figure is each variant's median over the rounds, and
 * B's median relative to A's. BENCH_PAIR_ROUNDS rounds (default 6) of BENCH_DURATION seconds.
 */
import { randomBytes } from 'node:crypto';
import { PAIRS, ROUTES, type Route, VARIANTS, WITH_COOKIE } from './catalog.ts';
import { runLoad, type ServerChild, startServer } from './children.ts';
import { cookiePair, get } from './requests.ts';
import { type BenchContext, COOKIE_NAME } from './variant.ts';

/** One pair's result per route: median req/s of A and B over the rounds. */
export interface PairResult {
  readonly a: string;
  readonly b: string;
  readonly rounds: number;
  readonly routes: Partial<Record<Route, { readonly a: number; readonly b: number }>>;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** Runs every pair of {@link PAIRS} whose variants are selected, on `ctx`'s services. */
export async function runPairs(
  ctx: Omit<BenchContext, 'postgresTable'>,
  load: { readonly duration: number; readonly connections: number },
): Promise<PairResult[]> {
  const { duration, connections } = load;
  const rounds = Math.max(1, Math.round(Number(process.env.BENCH_PAIR_ROUNDS) || 6));
  const results: PairResult[] = [];
  for (const [a, b] of PAIRS) {
    if (!VARIANTS.some((v) => v.id === a) || !VARIANTS.some((v) => v.id === b)) continue;
    const servers: ServerChild[] = [];
    try {
      const ports: number[] = [];
      const cookies: (string | undefined)[] = [];
      for (const id of [a, b]) {
        const table = `bench_pair_${process.pid}_${randomBytes(3).toString('hex')}`;
        const server = await startServer(id, { ...ctx, postgresTable: table }, []);
        servers.push(server);
        if (server.start.type !== 'ready') throw new Error(`${id}: ${server.start.reason}`);
        ports.push(server.start.port);
        cookies.push(cookiePair(await get(server.start.port, '/write'), COOKIE_NAME));
      }
      const routes: PairResult['routes'] = {};
      for (const route of ROUTES) {
        const rps: [number[], number[]] = [[], []];
        for (let round = 0; round < rounds; round++) {
          const order = round % 2 === 0 ? [0, 1] : [1, 0];
          for (const side of order) {
            const cookie = cookies[side];
            const headers: Record<string, string> = WITH_COOKIE.has(route) && cookie ? { cookie } : {};
            const url = `http://127.0.0.1:${ports[side]}${route}`;
            const result = await runLoad({ url, connections, headers, duration });
            rps[side]?.push(result.rps);
          }
        }
        routes[route] = { a: median(rps[0]), b: median(rps[1]) };
        process.stderr.write(
          `  ${a} vs ${b} ${route}: ${Math.round(routes[route].a)} / ${Math.round(routes[route].b)} req/s\n`,
        );
      }
      results.push({ a, b, rounds, routes });
    } finally {
      for (const server of servers) await server.close();
    }
  }
  return results;
}

/** The markdown table of {@link runPairs}'s results. */
export function pairsTable(results: readonly PairResult[]): string {
  const title = (id: string) => VARIANTS.find((v) => v.id === id)?.title ?? id;
  const lines = ['| route | A | B | A req/s | B req/s | B / A |', '| --- | --- | --- | ---: | ---: | ---: |'];
  for (const { a, b, routes } of results) {
    for (const route of ROUTES) {
      const r = routes[route];
      if (r === undefined) continue;
      lines.push(
        `| ${route} | ${title(a)} | ${title(b)} | ${Math.round(r.a)} | ${Math.round(r.b)} | ${(r.b / r.a).toFixed(3)} |`,
      );
    }
  }
  return lines.join('\n');
}
