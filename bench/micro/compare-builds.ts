/**
 * The per-request crypto of two builds of coatcheck, side by side in one mitata run, so a change
 * to token.ts, encryption.ts or #platform/crypto shows its cost on the same machine at the same
 * time. Usage, after building the old revision somewhere (e.g. `git worktree add /tmp/old <rev>`
 * and `npx tsc -p tsconfig.build.json --outDir /tmp/old-dist` there):
 *
 *   node --import tsx bench/micro/compare-builds.ts /tmp/old-dist [dist]
 *
 * Time is the process's CPU time (`process.cpuUsage`), not wall time, and the two builds alternate
 * over several rounds: on a machine shared with other work, waiting for a core then inflates
 * neither side. Prints one markdown row per operation: the median over the rounds of CPU ns per
 * call, before and after, and after ÷ before.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Build {
  generateToken(): string;
  storeKeyFor(token: string, prefix: string): string;
  encodeTicket(token: string, secrets: readonly Uint8Array[]): string;
  decodeTicket(ticket: string, secrets: readonly Uint8Array[]): unknown;
  createValueCipher(keys: readonly Uint8Array[]): {
    seal(plaintext: string, field: string): string;
    open(sealed: string, field: string): unknown;
  };
}

async function load(dist: string): Promise<Build> {
  const at = (file: string) => pathToFileURL(resolve(dist, file)).href;
  const token = (await import(at('core/token.js'))) as Build;
  const encryption = (await import(at('core/encryption.js'))) as Build;
  return { ...token, createValueCipher: encryption.createValueCipher };
}

const [beforeDir, afterDir = 'dist'] = process.argv.slice(2);
if (beforeDir === undefined) {
  process.stderr.write('usage: compare-builds.ts <before-dist> [after-dist]\n');
  process.exit(2);
}
const builds = { before: await load(beforeDir), after: await load(afterDir) };
const ns = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} µs` : `${v.toFixed(0)} ns`);
const secret = randomBytes(32);
const key = randomBytes(32);
const value = JSON.stringify({ cart: Array.from({ length: 10 }, (_, i) => ({ sku: `sku-${i}`, qty: i })) });

const OPS = ['generateToken', 'storeKeyFor', 'encodeTicket (sign)', 'decodeTicket (verify)', 'seal', 'open'];
const ROUNDS = 9;
const SAMPLE_NS = 40e6;

function operations(build: Build): (() => unknown)[] {
  const token = build.generateToken();
  const ticket = build.encodeTicket(token, [secret]);
  const cipher = build.createValueCipher([key]);
  const sealed = cipher.seal(value, 'cart');
  return [
    () => build.generateToken(),
    () => build.storeKeyFor(token, 'sess:'),
    () => build.encodeTicket(token, [secret]),
    () => build.decodeTicket(ticket, [secret]),
    () => cipher.seal(value, 'cart'),
    () => cipher.open(sealed, 'cart'),
  ];
}

let sink: unknown;
/** CPU ns per call of `fn` over `iterations` calls. */
function cpuNs(fn: () => unknown, iterations: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) sink = fn();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / iterations;
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const sides = [operations(builds.before), operations(builds.after)];
const rows = OPS.map((op, i) => {
  // Warm-up (JIT) and a calibration: enough calls for about SAMPLE_NS of CPU per sample.
  const iterations = sides.map((ops) => {
    cpuNs(ops[i]!, 2000);
    return Math.max(1000, Math.round(SAMPLE_NS / Math.max(1, cpuNs(ops[i]!, 2000))));
  });
  const samples: [number[], number[]] = [[], []];
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of [0, 1] as const) samples[side].push(cpuNs(sides[side]![i]!, iterations[side]!));
  }
  const [before, after] = [median(samples[0]), median(samples[1])];
  return `| ${op} | ${ns(before)} | ${ns(after)} | ${(after / before).toFixed(2)} |`;
});
if (sink === Symbol.for('never')) process.stdout.write('');
process.stdout.write(
  `| operation | before | after | after ÷ before |\n|---|---|---|---|\n${rows.join('\n')}\n`,
);
