/**
 * Fuzzes every parser that sees attacker-controlled input: readCookie, parseCookies, decodeTicket,
 * decodeValue and the full `sessions.load(...)` path (ticket reading, store lookup, record
 * decoding). Runs N random and adversarial inputs (default 1 000 000), counts crashes (any
 * exception other than the documented one; must be 0) and reports the slowest input.
 *
 *   node --import tsx scripts/fuzz.ts [iterations] [seed]     (or: npm run fuzz)
 *
 * Exit code 1 when any input crashed.
 */
import { performance } from 'node:perf_hooks';
import { decodeValue } from '../src/core/codec.ts';
import { parseCookies, readCookie } from '../src/core/cookie.ts';
import { CorruptRecordError } from '../src/core/errors.ts';
import { sessionState } from '../src/core/session.ts';
import { decodeTicket, encodeTicket, generateToken, storeKeyFor } from '../src/core/token.ts';
import { createSessions } from '../src/index.ts';
import { memoryStore } from '../src/stores/memory.ts';

const iterations = Number(process.argv[2] ?? 1_000_000);
let seed = Number(process.argv[3] ?? 0x5eed) >>> 0 || 1;

/** xorshift32: reproducible runs from a seed. */
function rand(): number {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 0x100000000;
}
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

const SECRET = Buffer.alloc(32, 9);
const NAMES = [
  'sid',
  '__proto__',
  'constructor',
  'prototype',
  '__Host-sid',
  'toString',
  'a',
  '',
  ' sid',
  'SID',
];
const B64 = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];
const VALID = Array.from({ length: 32 }, () => generateToken());

function randomString(max: number): string {
  const length = int(max + 1);
  let out = '';
  switch (int(5)) {
    case 0: // printable ASCII
      for (let i = 0; i < length; i++) out += String.fromCharCode(32 + int(95));
      return out;
    case 1: // any UTF-16 code unit, lone surrogates included
      for (let i = 0; i < length; i++) out += String.fromCharCode(int(0x10000));
      return out;
    case 2: // invalid UTF-8 bytes decoded as a server would
      return Buffer.from(Array.from({ length }, () => int(256))).toString('utf8');
    case 3: // latin1, as node's HTTP parser hands over header bytes
      return Buffer.from(Array.from({ length }, () => int(256))).toString('latin1');
    default: // base64url and separators: near-miss tickets
      for (let i = 0; i < length; i++) out += pick([...B64, '.', '=', ';', ' ', '"', '%']);
      return out;
  }
}

function mutate(text: string): string {
  if (text.length === 0) return randomString(4);
  const at = int(text.length);
  switch (int(4)) {
    case 0:
      return text.slice(0, at) + randomString(2) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + text.slice(at + 1);
    case 2:
      return text.slice(0, at) + pick(B64) + text.slice(at);
    default:
      return text + text.slice(0, at);
  }
}

function ticketLike(): string {
  const token = pick(VALID);
  return pick([
    token,
    encodeTicket(token, [SECRET]),
    mutate(token),
    mutate(encodeTicket(token, [SECRET])),
    randomString(90),
  ]);
}

function cookieHeader(): string {
  const pairs = int(8);
  const parts: string[] = [];
  for (let i = 0; i < pairs; i++) {
    const name = rand() < 0.6 ? pick(NAMES) : randomString(8);
    const value = rand() < 0.5 ? ticketLike() : randomString(30);
    const quoted = rand() < 0.1 ? `"${value}"` : rand() < 0.1 ? `%${randomString(3)}${value}` : value;
    parts.push(rand() < 0.05 ? name : `${name}${pick(['=', ' = ', '=='])}${quoted}`);
  }
  return parts.join(pick([';', '; ', ' ;', ';;']));
}

function jsonish(depth = 0): string {
  if (depth > 4) return JSON.stringify(randomString(6));
  switch (int(8)) {
    case 0:
      return JSON.stringify(randomString(10));
    case 1:
      return String(rand() * 1e6);
    case 2:
      return `[${Array.from({ length: int(4) }, () => jsonish(depth + 1)).join(',')}]`;
    case 3:
      return `{${Array.from({ length: int(4) }, () => `${JSON.stringify(pick([...NAMES, '$cc', 'v']))}:${jsonish(depth + 1)}`).join(',')}}`;
    case 4:
      return `{"$cc":${JSON.stringify(pick(['Date', 'BigInt', 'Map', 'Set', 'Number', 'Object', 'Function', '']))},"v":${jsonish(depth + 1)}}`;
    case 5:
      return mutate(jsonish(depth + 1));
    case 6:
      return pick(['null', 'true', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{}}}']);
    default:
      return randomString(20);
  }
}

/** The expensive, hand-made cases, mixed in one in 2 000. */
const ADVERSARIAL: Array<() => string> = [
  () => ';'.repeat(100_000),
  () => `sid=${VALID[0]}${';'.repeat(100_000)}`,
  () => `${'a=b; '.repeat(1_600)}`.slice(0, 8192),
  () => `sid=${'A'.repeat(8188)}`,
  () => `${'sid=x; '.repeat(1_170)}`,
  () => '%'.repeat(8192),
  () => '\ud800'.repeat(8192),
  () => '='.repeat(100_000),
  () => `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  () => `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
  () => JSON.stringify('x'.repeat(1 << 20)),
  () => `[${'1,'.repeat(200_000)}1]`,
  () => `{${Array.from({ length: 5_000 }, (_, i) => `"k${i}":${i}`).join(',')},"__proto__":{}}`,
];

function nextInput(i: number): { kind: string; text: string } {
  if (i % 2000 === 0) {
    const which = (i / 2000) % ADVERSARIAL.length;
    return { kind: `adversarial#${which}`, text: ADVERSARIAL[which]!() };
  }
  switch (int(4)) {
    case 0:
      return { kind: 'cookie', text: cookieHeader() };
    case 1:
      return { kind: 'ticket', text: ticketLike() };
    case 2:
      return { kind: 'json', text: jsonish() };
    default:
      return { kind: 'random', text: randomString(64) };
  }
}

const unsigned = createSessions({
  store: memoryStore({ sweepIntervalMs: 0 }),
  cookie: { name: 'sid' },
  header: 'authorization',
});
const signedStore = memoryStore({ sweepIntervalMs: 0, maxEntries: 1_000 });
const signed = createSessions({
  store: signedStore,
  cookie: { name: 'sid' },
  secrets: [SECRET],
  header: 'x-ticket',
});

const stats = new Map<string, number>();
const crashes: Array<{ target: string; kind: string; error: string; sample: string }> = [];
type Timed = { ms: number; target: string; kind: string; text: string; run: () => unknown };
/** The 20 slowest single observations, re-measured at the end to tell real cost from GC pauses. */
const slowest: Timed[] = [];
/** One sample of each hand-made adversarial input per target, always re-measured. */
const adversarialSamples = new Map<string, Timed>();

async function check(target: string, kind: string, text: string, run: () => unknown): Promise<void> {
  stats.set(target, (stats.get(target) ?? 0) + 1);
  const start = performance.now();
  try {
    await run();
  } catch (error) {
    if (!(target === 'decodeValue' && error instanceof CorruptRecordError)) {
      crashes.push({ target, kind, error: String(error), sample: JSON.stringify(text.slice(0, 80)) });
    }
  }
  const ms = performance.now() - start;
  if (kind.startsWith('adversarial') && !adversarialSamples.has(`${target}:${kind}`)) {
    adversarialSamples.set(`${target}:${kind}`, { ms, target, kind, text, run });
  }
  if (slowest.length < 20 || ms > slowest[slowest.length - 1]!.ms) {
    slowest.push({ ms, target, kind, text, run });
    slowest.sort((a, b) => b.ms - a.ms);
    slowest.length = Math.min(slowest.length, 20);
  }
}

/** The least of five timed runs: what the input costs without a GC pause or a JIT tier-up. */
async function remeasure(entry: Timed): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    try {
      await entry.run();
    } catch {
      // already counted
    }
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

const describeInput = (entry: Timed) =>
  `${entry.target} (${entry.kind}, ${entry.text.length.toLocaleString('en')} chars, starts ${JSON.stringify(entry.text.slice(0, 40))})`;

const started = performance.now();
for (let i = 0; i < iterations; i++) {
  const { kind, text } = nextInput(i);
  await check('readCookie', kind, text, () => readCookie(text, pick(NAMES)));
  await check('parseCookies', kind, text, () => {
    const parsed = parseCookies(text);
    if (Object.getPrototypeOf(parsed) !== null) throw new Error('parseCookies result has a prototype');
  });
  await check('decodeTicket', kind, text, () => decodeTicket(text, rand() < 0.5 ? [] : [SECRET]));
  await check('decodeValue', kind, text, () => decodeValue(text));
  await check('sessions.load', kind, text, async () => {
    const manager = rand() < 0.5 ? unsigned : signed;
    const session = manager.load({
      cookie: text,
      header: rand() < 0.5 ? `Bearer ${text}` : text,
      userAgent: text,
    });
    if (i % 50 === 0) {
      // A record holding the fuzzed text, loaded through the whole path: decode must refuse or return data.
      const token = generateToken();
      const now = Date.now();
      await signedStore.create(storeKeyFor(token, ''), {
        data: { x: text.slice(0, 70_000) },
        userId: null,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: now + 60_000,
        absoluteExpiresAt: now + 120_000,
      });
      await signed.load({ cookie: `sid=${encodeTicket(token, [SECRET])}` }).get('x');
    } else if (sessionState(session).ticket.kind === 'valid') {
      await session.get('x');
    }
  });
  if (({} as { polluted?: unknown }).polluted !== undefined) {
    crashes.push({
      target: 'prototype',
      kind,
      error: 'Object.prototype polluted',
      sample: JSON.stringify(text.slice(0, 80)),
    });
  }
}
const seconds = (performance.now() - started) / 1000;

console.log(
  `fuzz: ${iterations.toLocaleString('en')} inputs in ${seconds.toFixed(1)} s (seed ${process.argv[3] ?? '0x5eed'})`,
);
for (const [target, count] of stats)
  console.log(`  ${target.padEnd(14)} ${count.toLocaleString('en')} calls`);
console.log(`crashes: ${crashes.length}`);
for (const crash of crashes.slice(0, 10))
  console.log(`  ${crash.target} (${crash.kind}): ${crash.error} on ${crash.sample}`);
const worst = slowest[0]!;
console.log(`slowest single observation: ${worst.ms.toFixed(2)} ms in ${describeInput(worst)}`);
let reproducible = { ms: 0, entry: worst };
for (const entry of [...slowest, ...adversarialSamples.values()]) {
  const ms = await remeasure(entry);
  if (ms > reproducible.ms) reproducible = { ms, entry };
}
console.log(
  `slowest input (best of 5 re-runs of the 20 slowest and every adversarial case): ${reproducible.ms.toFixed(2)} ms in ${describeInput(reproducible.entry)}`,
);
await unsigned.close();
await signed.close();
process.exitCode = crashes.length === 0 ? 0 : 1;
