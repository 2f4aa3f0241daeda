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
 * (default /read,/untouched), BENCH_INSTR_FRAMEWORKS (default express,fastify). Needs valgrind;
 * prints why and exits 0 without it. About 2 minutes per server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../http/children.ts';
import { cookiePair, dropSockets, get } from '../http/requests.ts';
import { COOKIE_NAME } from '../http/variant.ts';

const env = process.env;
const count = (name: string, fallback: number) => {
  const value = Number(env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
const requests = count('BENCH_INSTR_REQUESTS', 10_000);
const warmup = count('BENCH_INSTR_WARMUP', 12_000);
const routes = (env.BENCH_INSTR_ROUTES ?? '/read,/untouched').split(',');
const frameworks = (env.BENCH_INSTR_FRAMEWORKS ?? 'express,fastify').split(',');
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
async function measure(variant: string, path: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'coatcheck-instr-'));
  const wrap = [
    'valgrind',
    '--tool=callgrind',
    '-q',
    '--instr-atstart=no',
    '--smc-check=all-non-file',
    `--callgrind-out-file=${join(dir, 'callgrind.out')}`,
  ];
  const server = await startServer(variant, {}, [], 'server.ts', wrap);
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
  rmSync(dir, { recursive: true, force: true });
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

await main();
