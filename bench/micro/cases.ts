/**
 * The micro-benchmark cases, each a coatcheck function beside what express-session /
 * @fastify/session do for the same job. Inputs are built once, outside the timed functions.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { type CommitState, decideCommit } from 'coatcheck';
import * as cookie from 'cookie';
import signature from 'cookie-signature';
import { decodeValue, encodeValue } from '../../dist/core/codec.js';
import { readCookie } from '../../dist/core/cookie.js';
import { decodeTicket, encodeTicket, generateToken, storeKeyFor } from '../../dist/core/token.js';

/** One comparison: a coatcheck case and (optionally) the baseline it is measured against. */
export interface MicroCase {
  readonly group: string;
  readonly ours: { readonly name: string; readonly fn: () => unknown };
  readonly theirs?: { readonly name: string; readonly fn: () => unknown };
  /** A target of the issue: ours must be at least this many times faster than theirs. */
  readonly target?: number;
}

const secret = randomBytes(32);
const secretText = secret.toString('hex');
const token = generateToken();
const unsignedTicket = encodeTicket(token, []);
const signedTicket = encodeTicket(token, [secret]);
// express-session's cookie value: 's:' + cookie-signature's sign(id, secret), URL-encoded by `cookie`.
const legacyValue = encodeURIComponent(`s:${signature.sign(token, secretText)}`);
const around = '_ga=GA1.2.1234567890.1700000000; theme=dark; lang=en-GB';
const header = (value: string) => `${around}; sid=${value}; csrftoken=Zx81d0aPqV3mQ7rT`;
const hostile = `${';'.repeat(100_000)}sid=${unsignedTicket}`;
if (createHmac('sha256', secret).update(token).digest('base64url') !== signedTicket.slice(44)) {
  throw new Error('micro: unexpected ticket format');
}

function legacyParseVerify(h: string): string | false {
  const raw = cookie.parse(h).sid;
  if (raw === undefined || !raw.startsWith('s:')) return false;
  return signature.unsign(raw.slice(2), secretText);
}

function oursParseVerify(h: string, secrets: readonly Buffer[]) {
  const found = readCookie(h, 'sid');
  return found.value === undefined ? undefined : decodeTicket(found.value, secrets);
}

const signedHeader = header(signedTicket);
const unsignedHeader = header(unsignedTicket);
const legacyHeader = header(legacyValue);
const secrets = [secret];

const small = { count: 42 };
const rich = {
  userId: 'user-42',
  cart: Array.from({ length: 10 }, (_, i) => ({ sku: `sku-${i}`, qty: i + 1, price: 9.99 * i })),
  flags: { beta: true, theme: 'dark' },
  seenAt: 1_700_000_000_000,
};
const smallText = encodeValue(small);
const richText = encodeValue(rich);
const smallJson = JSON.stringify(small);
const richJson = JSON.stringify(rich);

const readState: CommitState = {
  ticket: 'valid',
  ticketInCookie: true,
  found: true,
  changed: false,
  empty: false,
  rotated: false,
  destroyed: false,
  touchDue: false,
  staleSignature: false,
  persistentCookie: false,
  serverError: false,
};
const writeState: CommitState = { ...readState, changed: true };
const newState: CommitState = {
  ...readState,
  ticket: 'none',
  ticketInCookie: false,
  found: false,
  changed: true,
};

export const CASES: readonly MicroCase[] = [
  {
    group: 'cookie parse + verify, both signed (like for like)',
    ours: {
      name: 'coatcheck readCookie + decodeTicket (HMAC-SHA-256)',
      fn: () => oursParseVerify(signedHeader, secrets),
    },
    theirs: { name: 'cookie.parse + cookie-signature.unsign', fn: () => legacyParseVerify(legacyHeader) },
    target: 2,
  },
  {
    group: 'cookie parse + verify, coatcheck default (unsigned) vs express-session (always signed)',
    ours: {
      name: 'coatcheck readCookie + decodeTicket (no secret)',
      fn: () => oursParseVerify(unsignedHeader, []),
    },
    theirs: { name: 'cookie.parse + cookie-signature.unsign', fn: () => legacyParseVerify(legacyHeader) },
    target: 2,
  },
  {
    group: 'cookie parse, adversarial header (100k semicolons)',
    ours: { name: 'coatcheck readCookie', fn: () => readCookie(hostile, 'sid') },
    theirs: { name: 'cookie.parse', fn: () => cookie.parse(hostile).sid },
  },
  {
    group: 'codec encode, small value',
    ours: { name: 'coatcheck encodeValue', fn: () => encodeValue(small) },
    theirs: { name: 'JSON.stringify', fn: () => JSON.stringify(small) },
  },
  {
    group: 'codec decode, small value',
    ours: { name: 'coatcheck decodeValue', fn: () => decodeValue(smallText) },
    theirs: { name: 'JSON.parse', fn: () => JSON.parse(smallJson) },
  },
  {
    group: 'codec encode, cart of 10 items',
    ours: { name: 'coatcheck encodeValue', fn: () => encodeValue(rich) },
    theirs: { name: 'JSON.stringify', fn: () => JSON.stringify(rich) },
  },
  {
    group: 'codec decode, cart of 10 items',
    ours: { name: 'coatcheck decodeValue', fn: () => decodeValue(richText) },
    theirs: { name: 'JSON.parse', fn: () => JSON.parse(richJson) },
  },
  {
    group: 'commit decision',
    ours: {
      name: 'decideCommit (read, write, new)',
      fn: () => [decideCommit(readState), decideCommit(writeState), decideCommit(newState)],
    },
  },
  {
    group: 'store key hashing',
    ours: { name: 'storeKeyFor (SHA-256, base64url)', fn: () => storeKeyFor(token, 'sess:') },
  },
];
