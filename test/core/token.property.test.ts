/**
 * Property tests for the ticket verifier: it never throws, accepts exactly what was issued (under
 * any configured secret, flagging old ones), rejects every other spelling, and derives store keys
 * that never contain the token.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeTicket, encodeTicket, isTokenShape, storeKeyFor } from '../../src/core/token.ts';

const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
const secret = fc.uint8Array({ minLength: 32, maxLength: 64 }).map((bytes) => Buffer.from(bytes));
const secrets = fc.array(secret, { minLength: 1, maxLength: 4 });
const token = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => Buffer.from(bytes).toString('base64url'));
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({
    unit: fc.constantFrom(...B64, '.', '=', '%', ' ', '\u0000', '\ud800'),
    minLength: 40,
    maxLength: 90,
  }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    '',
    '.',
    `${'A'.repeat(43)}.`,
    `${'A'.repeat(43)}.${'A'.repeat(43)}`,
  ),
);

test('decodeTicket never throws and never pollutes prototypes, with or without secrets', () => {
  fc.assert(
    fc.property(anyText, fc.array(secret, { maxLength: 3 }), (text, keys) => {
      const result = decodeTicket(text, keys);
      assert.equal(typeof result.ok, 'boolean');
      if (result.ok) assert.equal(isTokenShape(result.token), true);
    }),
    { numRuns: 3000 },
  );
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeNames);
});

test('round trip: a ticket issued under any secret of the list verifies, stale exactly when not the first', () => {
  fc.assert(
    fc.property(token, secrets, fc.nat(), (t, keys, pick) => {
      const signer = pick % keys.length;
      const ticket = encodeTicket(t, [keys[signer]!]);
      const result = decodeTicket(ticket, keys);
      // Two equal secrets in the list: the first match wins.
      const first = keys.findIndex((k) => k.equals(keys[signer]!));
      assert.deepEqual(result, { ok: true, token: t, stale: first > 0 });
      assert.deepEqual(decodeTicket(t, []), { ok: true, token: t, stale: false });
    }),
    { numRuns: 1000 },
  );
});

test('every one-character change of a signed ticket is rejected (one spelling per ticket)', () => {
  fc.assert(
    fc.property(token, secret, fc.nat(86), fc.constantFrom(...B64, '.'), (t, key, at, replacement) => {
      const ticket = encodeTicket(t, [key]);
      fc.pre(ticket[at] !== replacement);
      const mutated = ticket.slice(0, at) + replacement + ticket.slice(at + 1);
      assert.equal(decodeTicket(mutated, [key]).ok, false, `${at}`);
    }),
    { numRuns: 3000 },
  );
});

test('a ticket signed with an unknown secret is a bad signature, never accepted', () => {
  fc.assert(
    fc.property(token, secret, secret, (t, key, other) => {
      fc.pre(!key.equals(other));
      assert.deepEqual(decodeTicket(encodeTicket(t, [other]), [key]), { ok: false, reason: 'bad_signature' });
    }),
    { numRuns: 500 },
  );
});

test('store keys are deterministic, distinct per token, and never contain the token', () => {
  fc.assert(
    fc.property(token, token, fc.constantFrom('', 'app:', 'x.'), (a, b, prefix) => {
      const key = storeKeyFor(a, prefix);
      assert.equal(key, storeKeyFor(a, prefix));
      assert.ok(key.startsWith(prefix));
      // Whichever SHA-256 path token.ts takes (one-shot crypto.hash or createHash), the key is this.
      assert.equal(key, prefix + createHash('sha256').update(a).digest('base64url'));
      assert.equal(key.includes(a), false);
      if (a !== b) assert.notEqual(key, storeKeyFor(b, prefix));
    }),
    { numRuns: 1000 },
  );
});
