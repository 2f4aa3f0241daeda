/**
 * What the interleaved rounds of interleaved.ts say: every pair's medians with their spread, the
 * overhead of coatcheck over each framework alone (server CPU µs per request), and the targets
 * of the issue that are judged on interleaved rounds, never on variants measured one after the
 * other.
 */
import { type Route, VARIANTS } from './catalog.ts';
import type { PairResult, SideRounds } from './interleaved.ts';
import type { TargetLine } from './report.ts';
import { median, spread } from './stats.ts';

const title = (id: string) => VARIANTS.find((v) => v.id === id)?.title ?? id;
const perRound = (a: readonly number[], b: readonly number[], f: (x: number, y: number) => number) =>
  a.map((x, i) => f(x, b[i] ?? Number.NaN));
const ratios = (a: SideRounds, b: SideRounds) => perRound(a.rps, b.rps, (x, y) => y / x);
const cpuDiffs = (a: SideRounds, b: SideRounds) => perRound(a.cpuUs, b.cpuUs, (x, y) => y - x);

function find(pairs: readonly PairResult[], a: string, b: string, route: Route, connections = 50) {
  return pairs.find((p) => p.a === a && p.b === b && p.connections === connections)?.routes[route];
}

/** Every pair and route: medians over the rounds, with the spread of the per-round figures. */
export function pairsTable(pairs: readonly PairResult[]): string {
  const lines = [
    '| A | B | route | conn. | A req/s | B req/s | B / A (spread) | CPU µs/req A | B | B − A (spread) | p99 A / B ms | slowest A / B ms |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const pair of pairs) {
    for (const [route, r] of Object.entries(pair.routes)) {
      if (r === undefined) continue;
      const errors = r.a.errors + r.b.errors > 0 ? ` ⚠ ${r.a.errors}/${r.b.errors} errors` : '';
      lines.push(
        `| ${title(pair.a)} | ${title(pair.b)} | ${route} | ${pair.connections} | ${Math.round(median(r.a.rps))} | ${Math.round(median(r.b.rps))} | ${median(ratios(r.a, r.b)).toFixed(3)} (${spread(ratios(r.a, r.b), 2)}) | ${median(r.a.cpuUs).toFixed(1)} | ${median(r.b.cpuUs).toFixed(1)} | ${median(cpuDiffs(r.a, r.b)).toFixed(1)} (${spread(cpuDiffs(r.a, r.b), 1)}) | ${median(r.a.p99)} / ${median(r.b.p99)} | ${Math.max(...r.a.max)} / ${Math.max(...r.b.max)}${errors} |`,
      );
    }
  }
  return lines.join('\n');
}

const FRAMEWORKS = [
  { name: 'Express 5', alone: 'express', ours: 'express-coatcheck-memory' },
  { name: 'Fastify 5', alone: 'fastify', ours: 'fastify-coatcheck-memory' },
] as const;

/** coatcheck (memory store) minus the framework alone, per framework and route, in CPU µs/request. */
export function overheadTable(pairs: readonly PairResult[]): string {
  const lines = [
    '| framework | route | alone, CPU µs/req | + coatcheck (memory) | coatcheck − framework, µs (spread) | req/s ratio (spread) |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const f of FRAMEWORKS) {
    for (const route of ['/read', '/write', '/untouched'] as const) {
      const r = find(pairs, f.alone, f.ours, route);
      if (r === undefined) continue;
      const d = cpuDiffs(r.a, r.b);
      const q = ratios(r.a, r.b);
      lines.push(
        `| ${f.name} | ${route} | ${median(r.a.cpuUs).toFixed(1)} | ${median(r.b.cpuUs).toFixed(1)} | ${median(d).toFixed(1)} (${spread(d, 1)}) | ${median(q).toFixed(3)} (${spread(q, 2)}) |`,
      );
    }
  }
  return lines.join('\n');
}

/** The targets judged on interleaved rounds. */
export function pairTargets(pairs: readonly PairResult[]): TargetLine[] {
  const lines: TargetLine[] = [];
  for (const route of ['/read', '/write'] as const) {
    const express = find(pairs, 'express', 'express-coatcheck-memory', route);
    const fastify = find(pairs, 'fastify', 'fastify-coatcheck-memory', route);
    const d = express && cpuDiffs(express.a, express.b);
    const df = fastify && cpuDiffs(fastify.a, fastify.b);
    lines.push({
      target: `Express adapter overhead ${route} ≤ 8 µs/request (coatcheck memory − Express alone, server CPU)`,
      measured: `${d ? `${median(d).toFixed(1)} µs (${spread(d, 1)})` : '-'}; Fastify: ${df ? `${median(df).toFixed(1)} µs (${spread(df, 1)})` : '-'}`,
      figure: d && `${median(d).toFixed(1)} µs`,
      ratio: d && median(d),
      goal: 8,
      atMost: true,
    });
  }
  const ratioLine = (target: string, goal: number, a: string, b: string, route: Route) => {
    const r = find(pairs, a, b, route);
    const q = r && ratios(r.a, r.b);
    return {
      target,
      measured: r
        ? `${Math.round(median(r.b.rps))} vs ${Math.round(median(r.a.rps))} req/s, per-round ratios ${spread(q ?? [], 2)}`
        : '-',
      ratio: q && median(q),
      goal,
    };
  };
  lines.push(
    ratioLine(
      'Express + coatcheck (memory) /read ≥ 0.93× Express alone',
      0.93,
      'express',
      'express-coatcheck-memory',
      '/read',
    ),
    ratioLine(
      'Express + coatcheck (memory) /untouched ≥ 0.97× Express alone',
      0.97,
      'express',
      'express-coatcheck-memory',
      '/untouched',
    ),
    ratioLine(
      'Express + coatcheck + Redis (node-redis) /read ≥ 1.5× express-session + connect-redis',
      1.5,
      'express-session-redis',
      'express-coatcheck-redis',
      '/read',
    ),
    ratioLine(
      'Express + coatcheck + Redis (ioredis) /read ≥ 1.5× express-session + connect-redis',
      1.5,
      'express-session-redis',
      'express-coatcheck-ioredis',
      '/read',
    ),
    ratioLine(
      'Express + coatcheck + Redis with client-side caching /read ≥ 2× express-session + connect-redis',
      2,
      'express-session-redis',
      'express-coatcheck-redis-cache',
      '/read',
    ),
    ratioLine(
      '(reference) the ceiling of the × express-session + connect-redis lines: Express alone, no session, /read vs express-session + connect-redis',
      0,
      'express-session-redis',
      'express',
      '/read',
    ),
    ratioLine(
      "(reference) what Express's per-request hidden classes cost it: Express alone with req/res switched to dictionary properties, /read vs Express alone",
      0,
      'express',
      'express-dictionary',
      '/read',
    ),
    ratioLine(
      'Express + coatcheck + Redis with client-side caching /read ≥ 0.95× Express + coatcheck memory',
      0.95,
      'express-coatcheck-memory',
      'express-coatcheck-redis-cache',
      '/read',
    ),
    ratioLine(
      'Fastify + coatcheck + Redis /read ≥ 2× @fastify/session + Redis',
      2,
      'fastify-session-redis',
      'fastify-coatcheck-redis',
      '/read',
    ),
    ratioLine(
      'Fastify + coatcheck + Redis with client-side caching /read ≥ 0.95× Fastify + coatcheck memory',
      0.95,
      'fastify-coatcheck-memory',
      'fastify-coatcheck-redis-cache',
      '/read',
    ),
  );
  const tail = find(pairs, 'express-session-redis', 'express-coatcheck-redis', '/read', 500);
  lines.push({
    target:
      'Tail, 500 connections: Express + coatcheck + Redis /read p99 ≤ express-session + connect-redis p99',
    measured: tail
      ? `${median(tail.b.p99)} vs ${median(tail.a.p99)} ms (median p99 of the rounds; coatcheck ${spread(tail.b.p99, 0)}, express-session ${spread(tail.a.p99, 0)})`
      : '-',
    ratio: tail && median(tail.b.p99) / median(tail.a.p99),
    goal: 1,
    atMost: true,
  });
  const at50 = find(pairs, 'express-session-redis', 'express-coatcheck-redis', '/read');
  const slowest = at50 && Math.max(...at50.b.max);
  lines.push({
    target: 'Tail, 50 connections: no Express + coatcheck + Redis /read request above 10× the median p99',
    measured: at50
      ? `slowest ${slowest} ms, median p99 ${median(at50.b.p99)} ms (express-session: slowest ${Math.max(...at50.a.max)} ms, p99 ${median(at50.a.p99)} ms)`
      : '-',
    ratio: at50 && (slowest ?? 0) / Math.max(1, median(at50.b.p99)),
    goal: 10,
    atMost: true,
  });
  return lines;
}
