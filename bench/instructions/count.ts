/**
 * `npm run bench:instructions`: CPU instructions per request, counted by valgrind's callgrind,
 * for each framework alone and with coatcheck (memory store). An instruction count does not move
 * with the machine's load the way CPU time does (the same run twice agrees within about 1 %), so
 * it settles what interleaved timing rounds leave inside their spread: the Express adapter's
 * overhead beside the Fastify adapter's.
 *
 * Each server runs under `valgrind --tool=callgrind --instr-atstart=no`; after a warm-up (so V8
 * has compiled the hot code) counting is switched on with `callgrind_control -i on`, a fixed
 * number of requests is sent (8 at a time, keep-alive, with a session cookie), and counting is
 * switched off. Every thread is counted, the garbage collector's included. A major collection
 * falling inside the window or not moves a figure by about 1 %; more requests average it out.
 *
 * Settings: BENCH_INSTR_REQUESTS (10000), BENCH_INSTR_WARMUP (12000), BENCH_INSTR_ROUTES
 * (default /read,/untouched), BENCH_INSTR_FRAMEWORKS (default express,fastify), BENCH_INSTR_KEEP=1
 * (keep the callgrind output, for callgrind_annotate). BENCH_INSTR_PAIRS
 * (`a:b,c:d`, variant ids of bench/http/catalog.ts) counts those pairs instead, e.g.
 * `express-session-redis:express-coatcheck-redis` for the client side of a Redis read (the bench's
 * own Redis is started when a variant needs it, PostgreSQL is COATCHECK_PG_URL as in the HTTP
 * bench; the servers' own work is not counted).
 * Needs valgrind; prints why and exits 0 without it. About 2 minutes per server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VARIANTS } from '../http/catalog.ts';
import { startServer } from '../http/children.ts';
import { benchContext, needsRedis, removeBenchFiles } from '../http/context.ts';
import { startRedis } from '../http/redis-server.ts';
import { cookiePair, dropSockets, get } from '../http/requests.ts';
import { type BenchContext, COOKIE_NAME } from '../http/variant.ts';

const env = process.env;
const count = (name: string, fallback: number) => {
  const value = Number(env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
const requests = count('BENCH_INSTR_REQUESTS', 10_000);
const warmup = count('BENCH_INSTR_WARMUP', 12_000);
const routes = (env.BENCH_INSTR_ROUTES ?? '/read,/untouched').split(',');
const frameworks = (env.BENCH_INSTR_FRAMEWORKS ?? 'express,fastify').split(',');
/** The explicit pairs of BENCH_INSTR_PAIRS, as [A, B]. */
const pairs = (env.BENCH_INSTR_PAIRS ?? '')
  .split(',')
  .filter(Boolean)
  .map((pair) => pair.split(':') as [string, string]);
/** BENCH_INSTR_KEEP=1 keeps each server's callgrind output (for callgrind_annotate) and prints where. */
const keep = env.BENCH_INSTR_KEEP || undefined;
const CONCURRENCY = 8;

/** Sends `total` GETs of `path`, CONCURRENCY at a time; throws on any answer but 200. */
async function load(port: number, path: string, cookie: string | undefined, total: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const headers = cookie === undefined ? {} : { cookie };
      const req = request({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`${path}: ${res.statusCode}`)),
        );
      });
      req.on('error', reject);
      req.end();
    });
  let left = total;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) await one();
    }),
  );
  agent.destroy();
}

/** Instructions per request of `variant` on `path`. */
async function measure(variant: string, path: string, context: Partial<BenchContext> = {}): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'coatcheck-instr-'));
  const wrap = [
    'valgrind',
    '--tool=callgrind',
    '-q',
    '--instr-atstart=no',
    '--smc-check=all-non-file',
    `--callgrind-out-file=${join(dir, 'callgrind.out')}`,
  ];
  const server = await startServer(variant, context, [], 'server.ts', wrap);
  try {
    if (server.start.type !== 'ready') throw new Error(`${variant}: ${server.start.reason}`);
    const { port, pid } = server.start;
    // The session cookie a first `/new` sets (none for a framework alone).
    const cookie = cookiePair(await get(port, '/new'), COOKIE_NAME);
    dropSockets();
    await load(port, path, cookie, warmup);
    execFileSync('callgrind_control', ['-i', 'on', String(pid)], { stdio: 'ignore' });
    await load(port, path, cookie, requests);
    execFileSync('callgrind_control', ['-i', 'off', String(pid)], { stdio: 'ignore' });
  } finally {
    await server.close();
  }
  let total = 0;
  for (const file of readdirSync(dir)) {
    const totals = /^totals: (\d+)/m.exec(readFileSync(join(dir, file), 'utf8'));
    if (totals !== null) total += Number(totals[1]);
  }
  if (keep === undefined) rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`${variant} ${path}: callgrind output kept in ${dir}\n`);
  return total / requests;
}

const thousands = (n: number) => `${(n / 1000).toFixed(1)} k`;

async function main(): Promise<void> {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    process.stdout.write(
      'bench:instructions: valgrind is not installed (apt-get install valgrind); nothing counted.\n',
    );
    return;
  }
  if (pairs.length > 0) {
    await measurePairs();
    return;
  }
  process.stdout.write(
    `Instructions per request (callgrind, ${requests} requests after ${warmup}, ${CONCURRENCY} at a time, memory store)\n\n`,
  );
  process.stdout.write(
    '| framework | route | alone | with coatcheck | overhead | ratio |\n| --- | --- | ---: | ---: | ---: | ---: |\n',
  );
  const overhead = new Map<string, number>();
  for (const route of routes) {
    for (const framework of frameworks) {
      const alone = await measure(framework, route);
      const withSessions = await measure(`${framework}-coatcheck-memory`, route);
      overhead.set(`${framework} ${route}`, withSessions - alone);
      process.stdout.write(
        `| ${framework} | \`${route}\` | ${thousands(alone)} | ${thousands(withSessions)} | ${thousands(withSessions - alone)} | ${(alone / withSessions).toFixed(3)}× |\n`,
      );
    }
  }
  for (const route of routes) {
    const express = overhead.get(`express ${route}`);
    const fastify = overhead.get(`fastify ${route}`);
    if (express !== undefined && fastify !== undefined && fastify > 0)
      process.stdout.write(
        `\nExpress overhead on \`${route}\`: ${(express / fastify).toFixed(2)}× Fastify's (goal ≤ 2×)`,
      );
  }
  process.stdout.write('\n');
}

/** BENCH_INSTR_PAIRS: each pair on each route, with the services its variants need. */
async function measurePairs(): Promise<void> {
  const ids = pairs.flat();
  const unknown = ids.filter((id) => !VARIANTS.some((variant) => variant.id === id));
  if (unknown.length > 0 || pairs.some((pair) => pair.length !== 2)) {
    throw new Error(
      `BENCH_INSTR_PAIRS: write a:b pairs of variant ids (bench/http/catalog.ts); unknown: ${unknown.join(', ')}`,
    );
  }
  const redis = needsRedis(ids) ? await startRedis(Number(env.BENCH_REDIS_PORT) || 6390) : undefined;
  const context = { ...benchContext('bench_instr'), redisUrl: redis?.url ?? '' };
  try {
    process.stdout.write(
      `Instructions per request (callgrind, ${requests} requests after ${warmup}, ${CONCURRENCY} at a time)\n\n`,
    );
    process.stdout.write(
      '| A | B | route | A | B | B − A | A / B |\n| --- | --- | --- | ---: | ---: | ---: | ---: |\n',
    );
    for (const route of routes) {
      for (const [a, b] of pairs) {
        const first = await measure(a, route, context);
        const second = await measure(b, route, context);
        process.stdout.write(
          `| ${a} | ${b} | \`${route}\` | ${thousands(first)} | ${thousands(second)} | ${thousands(second - first)} | ${(first / second).toFixed(3)}× |\n`,
        );
      }
    }
  } finally {
    await redis?.stop();
    removeBenchFiles(context);
  }
}

await main();
