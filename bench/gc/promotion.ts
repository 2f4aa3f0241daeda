/**
 * Where Express's extra collection comes from: heap bytes allocated and promoted (survived two
 * scavenges into the old generation) per request, read from V8's own GC trace (`--trace-gc-nvp`)
 * of each server, so the figures do not move with the machine's speed the way CPU time does.
 *
 *   npm run bench:gc        (this study alone; `npm run bench` runs it too, unless BENCH_SKIP=gc)
 *
 * Cases (case-server.ts): node:http alone; node:http re-prototyping req and res as Express does;
 * Fastify alone and with coatcheck's plugin; Express alone; Express calling coatcheck's core from
 * the route; Express with coatcheck's middleware; that last one again with V8's allocation-site
 * pretenuring off. Settings:
 * BENCH_DURATION (s measured, 5), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (50).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nodeCommand, runLoad } from '../http/children.ts';
import type { TargetLine } from '../http/report.ts';
import { cookiePair, dropSockets, get } from '../http/requests.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const env = process.env;
const seconds = (name: string, fallback: number) => Number(env[name] ?? fallback) || fallback;
const duration = seconds('BENCH_DURATION', 5);
const warmup = seconds('BENCH_WARMUP', 2);
const connections = seconds('BENCH_CONNECTIONS', 50);

export interface Case {
  readonly id: string;
  readonly label: string;
  readonly flags?: readonly string[];
}

const CASES: readonly Case[] = [
  { id: 'node', label: 'node:http, `res.end`' },
  { id: 'node-reprototyped', label: 'node:http + `Object.setPrototypeOf(req/res)` (what Express does)' },
  { id: 'fastify', label: 'Fastify alone' },
  { id: 'fastify-coatcheck', label: 'Fastify + coatcheck plugin' },
  { id: 'express', label: 'Express alone' },
  { id: 'express-core-in-route', label: 'Express, coatcheck core called in the route' },
  { id: 'express-coatcheck', label: 'Express + coatcheck middleware' },
  {
    id: 'express-coatcheck',
    label: 'Express + coatcheck middleware, `--no-allocation-site-pretenuring`',
    flags: ['--no-allocation-site-pretenuring'],
  },
];

/** One case's figures, per request served in the measured window. */
export interface Figures {
  readonly allocated: number;
  readonly promoted: number;
  readonly scavenges: number;
  readonly markCompacts: number;
  readonly requests: number;
}

/** Sums the GC trace after MARK: bytes allocated and promoted, per request. */
function summarise(trace: string, requests: number): Figures {
  const measured = trace.split('MARK\n').slice(1).join('');
  let allocated = 0;
  let promoted = 0;
  let scavenges = 0;
  let markCompacts = 0;
  for (const line of measured.split('\n')) {
    const kind = / gc=(\w+) /.exec(line)?.[1];
    if (kind === undefined) continue;
    if (kind === 's') scavenges++;
    else if (kind === 'mc' || kind === 'mmc') markCompacts++;
    const number = (field: string) => Number(new RegExp(` ${field}=(\\d+)`).exec(line)?.[1] ?? 0);
    // V8 prints a meaningless `allocated` now and then (a counter read across a reset): a value
    // above 1 GB between two collections is that, not an allocation.
    const bytes = number('allocated');
    if (bytes < 2 ** 30) allocated += bytes;
    promoted += number('promoted');
  }
  return {
    allocated: allocated / requests,
    promoted: promoted / requests,
    scavenges,
    markCompacts,
    requests,
  };
}

function startCase(item: Case): Promise<{ child: ChildProcess; port: number; trace: () => string }> {
  const [command, args] = nodeCommand(
    0,
    `${here}case-server.ts`,
    [item.id],
    ['--trace-gc-nvp', ...(item.flags ?? [])],
  );
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'development' },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /^PORT (\d+)$/m.exec(out)?.[1];
      if (port !== undefined) resolve({ child, port: Number(port), trace: () => out });
    });
    child.once('exit', (code) => reject(new Error(`case ${item.id} exited with ${code}`)));
  });
}

async function measure(item: Case): Promise<Figures> {
  const { child, port, trace } = await startCase(item);
  try {
    const cookie = cookiePair(await get(port, '/new'), 'sid');
    if (cookie === undefined) throw new Error(`case ${item.id} set no session cookie`);
    dropSockets();
    const load = { url: `http://127.0.0.1:${port}/read`, connections, headers: { cookie } };
    await runLoad({ ...load, duration: warmup });
    child.kill('SIGUSR2');
    const result = await runLoad({ ...load, duration });
    if (result.errors > 0 || result.non2xx > 0)
      throw new Error(`case ${item.id}: ${result.errors} errors, ${result.non2xx} non-2xx`);
    return summarise(trace(), result.total);
  } finally {
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
  }
}

/** A measured case. */
export interface PromotionResult extends Figures {
  readonly id: string;
  readonly label: string;
  readonly flags: readonly string[];
}

/** Runs every case, one after the other. */
export async function runPromotionStudy(): Promise<PromotionResult[]> {
  const results: PromotionResult[] = [];
  for (const item of CASES) {
    const figures = await measure(item);
    process.stderr.write(
      `  ${item.label}: ${kb(figures.allocated)} KB allocated, ${kb(figures.promoted)} KB promoted per request\n`,
    );
    results.push({ ...figures, id: item.id, label: item.label, flags: item.flags ?? [] });
  }
  return results;
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);

/** The study as a markdown table. */
export function promotionTable(results: readonly PromotionResult[]): string {
  return [
    `GET /read, ${connections} connections, ${duration} s after ${warmup} s of warm-up; V8's GC trace of the server.`,
    '',
    '| server | KB allocated / request | KB promoted / request | scavenges / mark-compacts | requests |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.label} | ${kb(r.allocated)} | ${kb(r.promoted)} | ${r.scavenges} / ${r.markCompacts} | ${r.requests} |`,
    ),
  ].join('\n');
}

/**
 * What a session may add to a framework's promotion: at most 0.5 KB per request over the framework
 * alone (on Express, whose requests are promoted anyway, a kept session must not drag more along).
 */
export function promotionTargets(results: readonly PromotionResult[]): TargetLine[] {
  const plain = (id: string) => results.find((r) => r.id === id && r.flags.length === 0);
  const pairs: [string, string, string][] = [
    ['Express + coatcheck promotes ≤ 0.5 KB/request more than Express alone', 'express', 'express-coatcheck'],
    ['Fastify + coatcheck promotes ≤ 0.5 KB/request more than Fastify alone', 'fastify', 'fastify-coatcheck'],
  ];
  return pairs.map(([target, alone, withSessions]) => {
    const a = plain(alone);
    const b = plain(withSessions);
    const extra = a === undefined || b === undefined ? undefined : (b.promoted - a.promoted) / 1024;
    return {
      target,
      measured:
        a === undefined || b === undefined
          ? 'not measured'
          : `${kb(b.promoted)} vs ${kb(a.promoted)} KB promoted`,
      ratio: extra,
      goal: 0.5,
      atMost: true,
      figure: extra === undefined ? '-' : `${extra >= 0 ? '+' : ''}${extra.toFixed(2)} KB`,
    };
  });
}

// Run as a script (`npm run bench:gc`), not when imported by bench/run.ts.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const results = await runPromotionStudy();
  process.stdout.write(`${promotionTable(results)}\n\n`);
  for (const line of promotionTargets(results)) {
    const met = line.ratio !== undefined && line.ratio <= line.goal;
    process.stdout.write(`${line.target}: ${line.figure} (${line.measured}): ${met ? 'met' : 'missed'}\n`);
  }
}
