/**
 * `npm run bench`: the HTTP benchmark, then the micro-benchmarks, printed as markdown tables and
 * saved to bench/results/latest.json and bench/results/latest.md. `BENCH_SKIP=http`,
 * `BENCH_SKIP=memory`, `BENCH_SKIP=gc` (bytes promoted per request, bench/gc) or `BENCH_SKIP=micro` leaves one part out; `BENCH_QUICK=1` is a short run. Machine facts are printed first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { overheadTable, pairsTable, pairTargets } from './http/pair-report.ts';
import {
  httpTargets,
  ratioTable,
  targetsTable,
  throughputTable,
  tripsTable,
  tripTargets,
} from './http/report.ts';
import { pairs, runHttpBenchmark, settings, type VariantResult } from './http/run-http.ts';
import { type MemoryResult, measureMemory, memoryTable, memoryTargets } from './memory/run-memory.ts';
import type { MicroResult } from './micro/run-micro.ts';

const skip = new Set((process.env.BENCH_SKIP ?? '').split(','));
const root = fileURLToPath(new URL('../', import.meta.url));

// The variants load coatcheck the way users do, through the package's exports (dist/), so no
// source transform runs at request time (tsx's keepNames wrappers cost a few % of CPU per request).
if (process.env.BENCH_BUILD !== '0') {
  process.stderr.write('bench: npm run build\n');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  if (build.status !== 0) {
    const errors = String(build.stdout)
      .split('\n')
      .filter((l) => l.includes('error TS')).length;
    process.stderr.write(
      `bench: the build reported ${errors} type errors; measuring what it emitted in dist/\n`,
    );
  }
}
if (!existsSync(`${root}dist/index.js`)) {
  process.stderr.write('bench: dist/index.js is missing: run `npm run build` first.\n');
  process.exit(1);
}
const machine = {
  date: new Date().toISOString(),
  nproc: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
};
const out: string[] = [
  `Machine: ${machine.nproc} CPUs, ${machine.cpu}, Node ${machine.node}, ${machine.date}`,
  `HTTP: ${settings.connections} connections, ${settings.duration} s × ${settings.reps} runs (median), ` +
    `${settings.warmup} s warm-up per route, round trips over ${settings.trips} sequential requests; ` +
    (settings.pinned
      ? 'server on CPU 0, autocannon on CPU 1 (taskset).'
      : 'NOT pinned (taskset or a 2nd CPU missing).'),
];
process.stdout.write(`${out.join('\n')}\n\n`);

let http: VariantResult[] = [];
if (!skip.has('http')) {
  http = await runHttpBenchmark();
  const sections = [
    '### Throughput: median req/s (p50/p99 latency)',
    throughputTable(http),
    '### Ratios',
    ratioTable(http),
    '### Store round trips per request (counted on the store side)',
    tripsTable(http),
  ];
  if (pairs.length > 0) {
    sections.push(
      `### Interleaved rounds (medians of ${settings.pairRounds} rounds of ${settings.pairDuration} s, A then B, then B then A; spread = min–max of the per-round figures)`,
      pairsTable(pairs),
      '### Overhead over the framework alone (server CPU µs/request, same rounds)',
      overheadTable(pairs),
    );
  }
  process.stdout.write(`${sections.join('\n\n')}\n\n`);
  out.push(...sections);
}

let memory: MemoryResult[] = [];
if (!skip.has('memory')) {
  // 100 000 even in a quick run: with fewer, the Map's table (sized in powers of two) weighs unevenly.
  memory = measureMemory(100_000);
  const section = ['### Memory per live session (heap bytes, --expose-gc)', memoryTable(memory)];
  process.stdout.write(`${section.join('\n\n')}\n\n`);
  out.push(...section);
}

const { promotionTable, promotionTargets, runPromotionStudy } = await import('./gc/promotion.ts');
let promotion: Awaited<ReturnType<typeof runPromotionStudy>> = [];
if (!skip.has('gc')) {
  promotion = await runPromotionStudy();
  const section = [
    '### Heap allocated and promoted per request (V8 GC trace, bench/gc)',
    promotionTable(promotion),
  ];
  process.stdout.write(`${section.join('\n\n')}\n\n`);
  out.push(...section);
}

// Loaded only now: the micro cases import coatcheck's dist/, which the build above has just made
// (a static import would be resolved before the build, and fail on a fresh clone).
const { microTable, microTargets, runMicroBenchmarks } = await import('./micro/run-micro.ts');
let micro: MicroResult[] = [];
if (!skip.has('micro')) {
  micro = await runMicroBenchmarks();
  const section = ['### Micro-benchmarks (mitata, median per call)', microTable(micro)];
  process.stdout.write(`\n${section.join('\n\n')}\n\n`);
  out.push(...section);
}

const targets = [
  ...pairTargets(pairs),
  ...httpTargets(http),
  ...tripTargets(http),
  ...memoryTargets(memory),
  ...promotionTargets(promotion),
  ...microTargets(micro),
];
const targetSection = ['### Targets', targetsTable(targets)];
process.stdout.write(`${targetSection.join('\n\n')}\n`);
out.push(...targetSection);

const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(
  `${dir}latest.json`,
  `${JSON.stringify({ machine, settings, http, pairs, memory, promotion, micro }, null, 2)}\n`,
);
writeFileSync(`${dir}latest.md`, `${out.join('\n\n')}\n`);
