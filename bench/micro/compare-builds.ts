/**
 * The per-request crypto of two builds of coatcheck, side by side in one mitata run, so a change
 * to token.ts, encryption.ts or #platform/crypto shows its cost on the same machine at the same
 * time. Usage, after building the old revision somewhere (e.g. `git worktree add /tmp/old <rev>`
 * and `npx tsc -p tsconfig.build.json --outDir /tmp/old-dist` there):
 *
 *   node --import tsx bench/micro/compare-builds.ts /tmp/old-dist [dist]
 *
 * Prints one markdown row per operation: before, after (average ns per call) and after ÷ before.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bench, do_not_optimize, run } from 'mitata';

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
const secret = randomBytes(32);
const key = randomBytes(32);
const value = JSON.stringify({ cart: Array.from({ length: 10 }, (_, i) => ({ sku: `sku-${i}`, qty: i })) });

const OPS = ['generateToken', 'storeKeyFor', 'encodeTicket (sign)', 'decodeTicket (verify)', 'seal', 'open'];
for (const [label, build] of Object.entries(builds)) {
  const token = build.generateToken();
  const ticket = build.encodeTicket(token, [secret]);
  const cipher = build.createValueCipher([key]);
  const sealed = cipher.seal(value, 'cart');
  const fns = [
    () => build.generateToken(),
    () => build.storeKeyFor(token, 'sess:'),
    () => build.encodeTicket(token, [secret]),
    () => build.decodeTicket(ticket, [secret]),
    () => cipher.seal(value, 'cart'),
    () => cipher.open(sealed, 'cart'),
  ];
  fns.forEach((fn, i) => {
    bench(`${label}: ${OPS[i]}`, () => do_not_optimize(fn()));
  });
}
const { benchmarks } = await run({ colors: false });
const avg = (i: number) => benchmarks[i]?.runs[0]?.stats?.avg ?? Number.NaN;
const ns = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} µs` : `${v.toFixed(1)} ns`);
const rows = OPS.map((op, i) => {
  const before = avg(i);
  const after = avg(OPS.length + i);
  return `| ${op} | ${ns(before)} | ${ns(after)} | ${(after / before).toFixed(2)} |`;
});
process.stdout.write(
  `\n| operation | before | after | after ÷ before |\n|---|---|---|---|\n${rows.join('\n')}\n`,
);
