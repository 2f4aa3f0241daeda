import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  decodeTicket,
  encodeTicket,
  generateToken,
  isTokenShape,
  storeKeyFor,
} from '../../src/core/token.ts';

const secretA = Buffer.alloc(32, 'a');
const secretB = Buffer.alloc(32, 'b');

describe('tokens', () => {
  it('generates 43-character base64url tokens that are all distinct', () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateToken));
    assert.equal(tokens.size, 1000);
    for (const token of tokens) {
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(isTokenShape(token), true);
      assert.equal(Buffer.from(token, 'base64url').length, 32);
    }
  });

  it('rejects wrong length, wrong alphabet and non-canonical last characters', () => {
    const token = generateToken();
    assert.equal(isTokenShape(token.slice(1)), false);
    assert.equal(isTokenShape(`${token}A`), false);
    assert.equal(isTokenShape(`${token.slice(0, 42)}=`), false);
    assert.equal(isTokenShape(`+${token.slice(1)}`), false);
    assert.equal(
      isTokenShape(`${token.slice(0, 42)}B`),
      false,
      'B has a low bit set: no 32-byte value encodes to it',
    );
    assert.equal(isTokenShape(`${token.slice(0, 42)}E`), true);
    assert.equal(isTokenShape('é'.repeat(43)), false);
  });

  it('derives the store key as prefix + SHA-256(token), never the token', () => {
    const token = generateToken();
    const key = storeKeyFor(token, 'app:');
    assert.equal(key, `app:${createHash('sha256').update(token).digest('base64url')}`);
    assert.equal(key.includes(token), false);
  });

  it('unsigned tickets are the bare token', () => {
    const token = generateToken();
    assert.equal(encodeTicket(token, []), token);
    assert.deepEqual(decodeTicket(token, []), { ok: true, token, stale: false });
    assert.deepEqual(decodeTicket(`${token}.x`, []), { ok: false, reason: 'malformed' });
  });

  it('signs with the first secret and verifies with every secret, marking old ones stale', () => {
    const token = generateToken();
    const current = encodeTicket(token, [secretA, secretB]);
    assert.deepEqual(decodeTicket(current, [secretA, secretB]), { ok: true, token, stale: false });
    const old = encodeTicket(token, [secretB]);
    assert.deepEqual(decodeTicket(old, [secretA, secretB]), { ok: true, token, stale: true });
    assert.deepEqual(decodeTicket(old, [secretA]), { ok: false, reason: 'bad_signature' });
  });

  it('rejects tampered signatures and tokens', () => {
    const token = generateToken();
    const ticket = encodeTicket(token, [secretA]);
    const flipped = ticket.slice(0, -2) + (ticket.at(-2) === 'A' ? 'B' : 'A') + ticket.at(-1);
    assert.equal(decodeTicket(flipped, [secretA]).ok, false);
    const otherToken = generateToken();
    assert.deepEqual(decodeTicket(`${otherToken}${ticket.slice(43)}`, [secretA]), {
      ok: false,
      reason: 'bad_signature',
    });
    assert.deepEqual(decodeTicket(token, [secretA]), { ok: false, reason: 'malformed' });
  });
});
