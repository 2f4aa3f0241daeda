/**
 * The micro-benchmark cases, each a coatcheck function beside what express-session /
 * @fastify/session do for the same job. Inputs are built once, outside the timed functions.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { type CommitState, decideCommit } from 'coatcheck';
import * as cookie from 'cookie';
import signature from 'cookie-signature';
import { decodeValue, encodeValue } from '../../dist/core/codec.js';
import { constantTimeEqual } from '../../dist/core/constant-time.js';
import { readCookie } from '../../dist/core/cookie.js';
import { decodeTicket, encodeTicket, generateToken, storeKeyFor } from '../../dist/core/token.js';
import type { PlatformCrypto } from '../../dist/platform/contracts.js';
import * as nodePlatform from '../../dist/platform/crypto-node.js';
import * as portablePlatform from '../../dist/platform/crypto-web.js';

/** One comparison: a coatcheck case and (optionally) the baseline it is measured against. */
export interface MicroCase {
  readonly group: string;
  readonly ours: { readonly name: string; readonly fn: () => unknown };
  readonly theirs?: { readonly name: string; readonly fn: () => unknown };
  /** A target of the issue: ours must be at least this many times faster than theirs (below 1: at most 1/target times slower). */
  readonly target?: number;
  /** The target as the issue states it, for the targets table. */
  readonly targetText?: string;
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

// #platform/crypto, both variants on the same inputs: Node's (what Node, Bun and Deno load) and the
// portable one (what workerd, the edge runtime and browsers load), for the operations core runs per
// request: store-key hash, ticket sign and verify, value seal and open.
const encryptionKey = randomBytes(32);
const sealedValue = JSON.stringify(rich);
function platformOps(platform: PlatformCrypto) {
  const signer = platform.hmacSha256Base64Url(secret);
  const cipher = platform.aes256Gcm(encryptionKey);
  const [iv, body, tag] = cipher.seal(sealedValue, 'cart');
  const signature = signedTicket.slice(44);
  return {
    hash: () => platform.sha256Base64Url(token),
    sign: () => signer(token),
    verify: () => constantTimeEqual(signature, signer(token)),
    seal: () => cipher.seal(sealedValue, 'cart'),
    open: () => cipher.open(iv, body, tag, 'cart'),
  };
}
const nodeOps = platformOps(nodePlatform);
const portableOps = platformOps(portablePlatform);
const PLATFORM_CASES: readonly MicroCase[] = (
  [
    ['hash', 'SHA-256 of a token, base64url (store key)'],
    ['sign', 'HMAC-SHA-256 of a token, base64url (signed ticket)'],
    ['verify', 'HMAC-SHA-256 + constant-time compare (signed ticket)'],
    ['seal', `AES-256-GCM seal of a ${sealedValue.length}-byte value`],
    ['open', `AES-256-GCM open of a ${sealedValue.length}-byte value`],
  ] as const
).map(([op, what]) => ({
  group: `#platform/crypto ${op}: node vs portable`,
  ours: { name: `node:crypto: ${what}`, fn: nodeOps[op] },
  theirs: { name: `@noble (portable): ${what}`, fn: portableOps[op] },
}));

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
    // One HMAC-SHA-256 each, which is most of either side's time: parity within 10 % is the bound.
    target: 1 / 1.1,
    targetText: 'within 1.1× the time of',
  },
  {
    group: 'cookie parse + verify, coatcheck default (unsigned) vs express-session (always signed)',
    ours: {
      name: 'coatcheck readCookie + decodeTicket (no secret)',
      fn: () => oursParseVerify(unsignedHeader, []),
    },
    theirs: { name: 'cookie.parse + cookie-signature.unsign', fn: () => legacyParseVerify(legacyHeader) },
    target: 5,
    targetText: '≥ 5× faster than',
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
  ...PLATFORM_CASES,
];
