/**
 * Runs the micro-benchmark cases with mitata, prints mitata's own report, and returns one line per
 * case (median ns per call and the ratio to the baseline) plus the issue's micro target.
 */
import { bench, do_not_optimize, group, run, summary } from 'mitata';
import type { TargetLine } from '../http/report.ts';
import { CASES } from './cases.ts';

/** One case's result. */
export interface MicroResult {
  readonly group: string;
  readonly ours: { readonly name: string; readonly ns: number };
  readonly theirs?: { readonly name: string; readonly ns: number };
  /** How many times faster ours is (theirs ÷ ours). */
  readonly speedup?: number;
  readonly target?: number;
  readonly targetText?: string;
}

/** Runs every case; returns their medians. */
export async function runMicroBenchmarks(): Promise<MicroResult[]> {
  for (const c of CASES) {
    group(c.group, () => {
      summary(() => {
        bench(c.ours.name, () => do_not_optimize(c.ours.fn())).baseline(true);
        if (c.theirs) {
          const theirs = c.theirs;
          bench(theirs.name, () => do_not_optimize(theirs.fn()));
        }
      });
    });
  }
  const { benchmarks } = await run({ colors: false });
  // The median, not the mean: on the shared machine a few descheduled iterations (tens of ms)
  // moved the mean of a 3 µs case by 5×, and the two sides of a case by different amounts.
  const median = (index: number) => benchmarks[index]?.runs[0]?.stats?.p50 ?? Number.NaN;
  let index = 0;
  return CASES.map((c) => {
    const ours = { name: c.ours.name, ns: median(index++) };
    if (c.theirs === undefined) return { group: c.group, ours };
    const theirs = { name: c.theirs.name, ns: median(index++) };
    const result: MicroResult = { group: c.group, ours, theirs, speedup: theirs.ns / ours.ns };
    return c.target === undefined
      ? result
      : { ...result, target: c.target, ...(c.targetText === undefined ? {} : { targetText: c.targetText }) };
  });
}

/** The micro results as a markdown table. */
export function microTable(results: readonly MicroResult[]): string {
  const ns = (value: number) =>
    value >= 1000 ? `${(value / 1000).toFixed(2)} µs` : `${value.toFixed(1)} ns`;
  const rows = results.map(
    (r) =>
      `| ${r.group} | ${r.ours.name}: ${ns(r.ours.ns)} | ${r.theirs ? `${r.theirs.name}: ${ns(r.theirs.ns)}` : '-'} | ${r.speedup === undefined ? '-' : `${r.speedup.toFixed(2)}×`} |`,
  );
  return ['| case | coatcheck | baseline | coatcheck faster by |', '|---|---|---|---|', ...rows].join('\n');
}

/** The micro targets of the issue; the figure is how many times faster coatcheck is. */
export function microTargets(results: readonly MicroResult[]): TargetLine[] {
  return results
    .filter((r) => r.target !== undefined && r.theirs !== undefined)
    .map((r) => ({
      target: `${r.group}: coatcheck ${r.targetText ?? `≥ ${r.target}× faster than`} ${r.theirs?.name}`,
      measured: `${r.ours.ns.toFixed(0)} ns vs ${r.theirs?.ns.toFixed(0)} ns per call`,
      ratio: r.speedup,
      goal: r.target ?? 0,
    }));
}
