/**
 * What coatcheck/otel costs per session read, without HTTP noise: `load` + `get` + `commit` of a
 * stored session on the memory store, timed by mitata, with telemetry
 * - off (this build, never instrumented: the path every app without OpenTelemetry takes),
 * - off on a build from before the telemetry seam (`BENCH_BASE_DIST=/path/to/dist`, optional),
 * - on (coatcheck/otel with the real SDK, in-memory exporters; the read inside an active span).
 *
 * The variants run in interleaved batches (BENCH_ROUNDS rounds of BENCH_BATCH reads each, default
 * 30 × 2000) and each reports the median and the fastest batch: on a shared, loaded machine the
 * interleaving spreads the noise over every variant alike, where one long run per variant would not.
 *
 * `npm run build && node --import tsx bench/micro/telemetry-overhead.ts` (from the repo root);
 * `BENCH_ON=0 BENCH_BASE_DIST=… ` for the off-versus-before comparison alone.
 * Figures: docs/BENCHMARKS.md, "Telemetry overhead".
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

type Manager = {
  load(input: { cookie: string | undefined }): {
    get(key: string): Promise<unknown>;
    set(key: string, value: unknown): Promise<void>;
  };
  commit(session: unknown, response: { status: number }): Promise<{ setCookie: string | undefined }>;
};
type Core = { createSessions(options: unknown): Manager };
type Memory = { memoryStore(): unknown };

const root = new URL('../../dist/', import.meta.url).href;

async function manager(dist: string): Promise<{ sessions: Manager; cookie: string }> {
  const core = (await import(`${dist}index.js`)) as Core;
  const { memoryStore } = (await import(`${dist}stores/memory.js`)) as Memory;
  const sessions = core.createSessions({ store: memoryStore(), cookie: { name: 'sid', secure: false } });
  const first = sessions.load({ cookie: undefined });
  await first.set('count', 1);
  const { setCookie } = await sessions.commit(first, { status: 200 });
  return { sessions, cookie: setCookie!.split(';')[0]! };
}

async function read({ sessions, cookie }: { sessions: Manager; cookie: string }): Promise<void> {
  const session = sessions.load({ cookie });
  await session.get('count');
  await sessions.commit(session, { status: 200 });
}

process.env.NODE_ENV = 'development'; // no insecure-cookie warning for the plain-http cookie
const off = await manager(root);
const base = process.env.BENCH_BASE_DIST
  ? await manager(new URL(`file://${process.env.BENCH_BASE_DIST}/`).href)
  : undefined;
const on = await manager(root);

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const spans = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
const meterProvider = new MeterProvider({
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(0),
      exportIntervalMillis: 60_000,
    }),
  ],
});
const { instrument } = (await import(`${root}otel.js`)) as typeof import('../../src/otel.ts');
instrument(on.sessions as never, { tracerProvider, meterProvider });
const tracer = tracerProvider.getTracer('bench');
const parent = trace.setSpan(context.active(), tracer.startSpan('request'));
setInterval(() => spans.reset(), 200).unref();

const variants: [string, () => Promise<void>][] = [['read, telemetry off', () => read(off)]];
if (base !== undefined) variants.push(['read, build before the telemetry seam', () => read(base)]);
// BENCH_ON=0 leaves "on" out: sharing this build's code with an instrumented manager makes its
// call sites polymorphic, which slows the "off" manager too; the off-vs-before comparison is fair
// only without it (as in an app, where either every manager is instrumented or none is).
if (process.env.BENCH_ON !== '0') {
  variants.push(['read, coatcheck/otel on (SDK, in-memory)', () => context.with(parent, () => read(on))]);
}

const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
const batch = Number(process.env.BENCH_BATCH ?? 2000);
const perOp = new Map<string, number[]>(variants.map(([name]) => [name, []]));
for (let round = -2; round < rounds; round++) {
  for (const [name, fn] of variants) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) await fn();
    const ns = Number(process.hrtime.bigint() - started) / batch;
    if (round >= 0) perOp.get(name)!.push(ns); // two warm-up rounds
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;
const offMedian = median(perOp.get(variants[0]![0])!);
console.log(`${rounds} rounds × ${batch} reads per variant, interleaved\n`);
console.log('| variant | median per read | fastest batch | vs telemetry off (median) |\n|---|---|---|---|');
for (const [name, values] of perOp) {
  const ratio = median(values) / offMedian;
  console.log(`| ${name} | ${us(median(values))} | ${us(Math.min(...values))} | ${ratio.toFixed(3)}× |`);
}
process.exit(0);
