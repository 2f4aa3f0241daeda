/**
 * Session tokens: the ticket the client holds. 32 random bytes, base64url (43 characters).
 *
 * The token itself is never stored: the store key is SHA-256(token), so a dump of the store yields
 * no usable ticket (CWE-522) and a lookup compares hashes, not secrets (CVE-2019-25025).
 * Optional signing appends `.` + HMAC-SHA-256(secret, token); verification tries every secret so
 * keys can rotate, and reports when an old one matched so the cookie can be re-issued.
 */
import { hmacSha256Base64Url, randomBase64Url, sha256Base64Url } from '#platform/crypto';
import { constantTimeEqual } from './constant-time.ts';

/** Length of a token: 32 bytes in unpadded base64url. */
export const TOKEN_LENGTH = 43;
/** Length of an HMAC-SHA-256 signature in unpadded base64url. */
const SIGNATURE_LENGTH = 43;

/** A fresh token: 256 bits from the CSPRNG (CWE-330). */
export function generateToken(): string {
  return randomBase64Url(32);
}

/**
 * True when `value` has the exact shape of a token: 43 base64url characters whose last one carries
 * only the 4 bits a 32-byte value can leave (so each token has one spelling). Checked before any I/O.
 */
export function isTokenShape(value: string): boolean {
  if (value.length !== TOKEN_LENGTH) return false;
  for (let i = 0; i < TOKEN_LENGTH; i++) {
    if (!isBase64UrlCode(value.charCodeAt(i))) return false;
  }
  // 43 chars hold 258 bits; the last char's low 2 bits must be 0 for a canonical 32-byte encoding.
  return (BASE64URL_VALUE[value.charCodeAt(TOKEN_LENGTH - 1)]! & 0b11) === 0;
}

const BASE64URL_VALUE: number[] = (() => {
  const table = new Array<number>(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();

function isBase64UrlCode(code: number): boolean {
  return code < 128 && BASE64URL_VALUE[code]! >= 0;
}

/** The store key for a token: `prefix` + SHA-256(token) in base64url. */
export function storeKeyFor(token: string, prefix: string): string {
  return prefix + sha256Base64Url(token);
}

// One signer per secret, built on first use: the portable HMAC keeps its keyed state, so each
// signature costs two compressions instead of four. Secrets come from resolved options and are
// never changed in place, so a signer never goes stale.
const signers = new WeakMap<Uint8Array, (text: string) => string>();

/** The signature of a token under one secret. */
function sign(token: string, secret: Uint8Array): string {
  let signer = signers.get(secret);
  if (signer === undefined) {
    signer = hmacSha256Base64Url(secret);
    signers.set(secret, signer);
  }
  return signer(token);
}

/** The cookie value for a token: the token itself, or `token.signature` when secrets are given. */
export function encodeTicket(token: string, secrets: readonly Uint8Array[]): string {
  const current = secrets[0];
  return current === undefined ? token : `${token}.${sign(token, current)}`;
}

/** Outcome of reading a ticket (cookie or header value). */
export type TicketCheck =
  | {
      readonly ok: true;
      readonly token: string /** signed with an older secret: re-issue */;
      readonly stale: boolean;
    }
  | { readonly ok: false; readonly reason: 'malformed' | 'bad_signature' };

/**
 * Verifies a ticket without I/O. With no secrets the ticket must be a bare token; with secrets it
 * must be `token.signature` under one of them (constant-time comparison after the shape check).
 */
export function decodeTicket(ticket: string, secrets: readonly Uint8Array[]): TicketCheck {
  if (secrets.length === 0) {
    return isTokenShape(ticket) ? { ok: true, token: ticket, stale: false } : MALFORMED;
  }
  if (ticket.length !== TOKEN_LENGTH + 1 + SIGNATURE_LENGTH || ticket.charCodeAt(TOKEN_LENGTH) !== 46) {
    return MALFORMED;
  }
  const token = ticket.slice(0, TOKEN_LENGTH);
  const signature = ticket.slice(TOKEN_LENGTH + 1);
  // The signature is 32 bytes too: the same canonical-shape check gives each ticket one spelling
  // (base64url decoding would otherwise ignore the last character's two spare bits).
  if (!isTokenShape(token) || !isTokenShape(signature)) return MALFORMED;
  // Both sides are canonical base64url of 32 bytes, so comparing the text compares the MACs.
  for (let i = 0; i < secrets.length; i++) {
    if (constantTimeEqual(signature, sign(token, secrets[i]!))) return { ok: true, token, stale: i > 0 };
  }
  return BAD_SIGNATURE;
}

const MALFORMED = { ok: false, reason: 'malformed' } as const;
const BAD_SIGNATURE = { ok: false, reason: 'bad_signature' } as const;
