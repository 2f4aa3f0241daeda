/**
 * Markdown tables of the HTTP results: throughput and latency, ratios, store round trips, and the
 * issue's targets with the measured figure and whether each was met.
 */
import { ROUTES, type Route, TRIP_CASES, type TripLabel, VARIANTS } from './catalog.ts';
import type { RouteResult, VariantResult } from './run-http.ts';

type Find = (id: string, route: Route) => RouteResult | undefined;

function finder(results: readonly VariantResult[]): Find {
  return (id, route) => results.find((r) => r.id === id && r.status === 'ok')?.routes[route];
}

const fmtRps = (r: RouteResult | undefined) =>
  r === undefined
    ? '-'
    : `${Math.round(r.rps)} (${r.p50}/${r.p99} ms)${r.errors > 0 ? ` ⚠${r.errors} errors` : ''}`;
const ratio = (a: RouteResult | undefined, b: RouteResult | undefined) =>
  a === undefined || b === undefined || b.rps === 0 ? undefined : a.rps / b.rps;
const fmtRatio = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(2)}×`);

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Throughput table: median req/s with (p50/p99 latency) per route. */
export function throughputTable(results: readonly VariantResult[]): string {
  const rows = results.map((r) =>
    r.status === 'ok'
      ? [r.title, ...ROUTES.map((route) => fmtRps(r.routes[route]))]
      : [r.title, ...ROUTES.map((_, i) => (i === 0 ? `${r.status}: ${r.reason ?? ''}` : ''))],
  );
  return table(['variant', ...ROUTES.map((r) => `${r} req/s (p50/p99)`)], rows);
}

/** Ratios against the session library on the same store, and against bare node:http. */
export function ratioTable(results: readonly VariantResult[]): string {
  const find = finder(results);
  const rows: string[][] = [];
  for (const r of results) {
    if (r.status !== 'ok' || r.id === 'bare') continue;
    const versus = VARIANTS.find((v) => v.id === r.id)?.versus;
    const vs = ROUTES.map((route) =>
      versus ? fmtRatio(ratio(find(r.id, route), find(versus, route))) : '-',
    );
    const bare = ROUTES.map((route) => fmtRatio(ratio(find(r.id, route), find('bare', route))));
    rows.push([r.title, vs.join(' / '), bare.join(' / ')]);
  }
  const order = ROUTES.join(' / ');
  return table(
    ['variant', `vs session library, same store (${order})`, `vs bare node:http (${order})`],
    rows,
  );
}

/** Store round trips per request, counted on the store side. */
export function tripsTable(results: readonly VariantResult[]): string {
  const rows = results
    .filter((r) => r.status === 'ok' && Object.keys(r.trips).length > 0)
    .map((r) => [
      r.title,
      ...TRIP_CASES.map(({ label }) => {
        const t = r.trips[label];
        return t === undefined ? '-' : `${Number(t.perRequest.toFixed(2))} (${t.what})`;
      }),
    ]);
  return table(['variant', ...TRIP_CASES.map((c) => c.label)], rows);
}

/** One target of the issue: its figure, ratio and verdict. */
export interface TargetLine {
  readonly target: string;
  readonly measured: string;
  readonly ratio: number | undefined;
  readonly goal: number;
  /** The figure column when it is no ratio (µs, bytes); default the ratio with `×`. */
  readonly figure?: string | undefined;
  /** Met when the figure is at most `goal` (a cost), not at least (a speed-up). */
  readonly atMost?: boolean;
}

/** The HTTP targets of the issue, evaluated on this run. */
export function httpTargets(results: readonly VariantResult[]): TargetLine[] {
  const find = finder(results);
  const line = (target: string, goal: number, a: string, b: string, route: Route): TargetLine => {
    const x = find(a, route);
    const y = find(b, route);
    return {
      target,
      goal,
      ratio: ratio(x, y),
      measured: `${x ? Math.round(x.rps) : '-'} vs ${y ? Math.round(y.rps) : '-'} req/s`,
    };
  };
  // Express's targets are judged on interleaved rounds (pair-report.ts), not on these runs.
  return [
    line(
      '(reference) a middleware that only sets req.session, /untouched vs Express alone',
      0,
      'express-req-session-only',
      'express',
      '/untouched',
    ),
    line(
      '(reference) express-session /untouched vs Express alone (≈ 63 %)',
      0,
      'express-session-memory',
      'express',
      '/untouched',
    ),
    line(
      'Fastify + coatcheck memory /read ≥ 1.3× @fastify/session memory',
      1.3,
      'fastify-coatcheck-memory',
      'fastify-session-memory',
      '/read',
    ),
    line(
      'node:http + coatcheck memory /read ≥ 50 % of bare node:http',
      0.5,
      'node-coatcheck-memory',
      'bare',
      '/read',
    ),
  ];
}

/** Round-trip targets: 1 / 2 / 0 / 1 / 0 for read / write / untouched / new / untouched + cookie. */
export function tripTargets(results: readonly VariantResult[]): TargetLine[] {
  const want: Record<TripLabel, number> = {
    '/read': 1,
    '/write': 2,
    '/untouched': 0,
    '/new': 1,
    '/untouched + cookie': 0,
  };
  const labels = TRIP_CASES.map((c) => c.label);
  const references = results
    .filter(
      (r) => r.status === 'ok' && (r.id === 'express-session-redis' || r.id === 'fastify-session-redis'),
    )
    .map((r) => ({
      target: `(reference) ${r.title}: store round trips for /read (≈ 2)`,
      measured: `${r.trips['/read']?.perRequest ?? '-'} (${r.trips['/read']?.what ?? '-'})`,
      ratio: undefined,
      goal: 0,
    }));
  const ours = results
    .filter((r) => r.status === 'ok' && VARIANTS.find((v) => v.id === r.id)?.ours && r.trips['/read'])
    .map((r) => {
      const got = labels.map((label) => r.trips[label]?.perRequest);
      // With client-side caching a read of an unchanged session is answered in process (the first
      // of the counted requests fills the copy, hence the tolerance); a write drops the process's
      // own copy, so the next write's read goes to Redis again.
      const cached = r.id.endsWith('-redis-cache');
      const expected: Record<string, number> = cached ? { ...want, '/read': 0 } : want;
      const slack = cached ? 0.1 : 0;
      const ok = labels.every((label, i) => {
        const value = got[i];
        return value !== undefined && Math.abs(value - (expected[label] ?? Number.NaN)) <= slack;
      });
      return {
        target: `${r.title}: store round trips ${labels.join(' / ')} = ${labels.map((label) => expected[label]).join(' / ')}`,
        measured: got.map((g) => (g === undefined ? '-' : Number(g.toFixed(2)))).join(' / '),
        ratio: ok ? 1 : 0,
        goal: 1,
      };
    });
  return [...ours, ...references];
}

/** The targets as a markdown table. */
export function targetsTable(lines: readonly TargetLine[]): string {
  return table(
    ['target', 'measured', 'figure', 'met'],
    lines.map((l) => [
      l.target,
      l.measured,
      l.figure ?? (l.goal === 1 && l.target.includes('round trips') ? '-' : fmtRatio(l.ratio)),
      l.goal === 0
        ? '(reference)'
        : l.ratio === undefined
          ? 'not measured'
          : (l.atMost === true ? l.ratio <= l.goal : l.ratio >= l.goal)
            ? 'met'
            : '**missed**',
    ]),
  );
}
