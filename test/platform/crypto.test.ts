/**
 * `#platform/crypto`, both variants, held to the same behaviours: known-answer vectors, agreement
 * with `node:crypto` on arbitrary input, values sealed by either variant (and by coatcheck before
 * the split) open in the other, and every tampering is refused. The Node variant is what tsx
 * resolves for core; the portable one is imported directly here (it runs for real in
 * test/runtimes on workerd and the edge runtime).
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { PlatformCrypto } from '../../src/platform/contracts.ts';
import * as nodeCrypto from '../../src/platform/crypto-node.ts';
import * as webCrypto from '../../src/platform/crypto-web.ts';

const VARIANTS: ReadonlyArray<readonly [string, PlatformCrypto]> = [
  ['node', nodeCrypto],
  ['portable', webCrypto],
];

const hex = (text: string) => Buffer.from(text, 'hex');
const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const anyText = fc.string({ unit: 'binary', maxLength: 300 });

// Sealed by coatcheck's encryption.ts before the platform split (node:crypto), under KEY, field
// `cart`: `e1.<key id>.<iv>.<body>.<tag>`. Sessions stored then must still open.
const KEY = Buffer.from('q83vEjRWeJASNFZ4kKvN7/7cuph2VDIQq83vEjRWeJA=', 'base64');
const LEGACY = 'e1.gXAMYw3-.VQtG5QON9zpKlaLe.x04r98keMb6F0CmDjJUuZi6JYZEYglqMfLk.tbnHonpOMuBRlyhfWL_U4g';
const LEGACY_PLAINTEXT = '{"cart":["sku-1","ünï"]}';

for (const [name, platform] of VARIANTS) {
  const other = VARIANTS.find(([n]) => n !== name)![1];

  describe(`#platform/crypto (${name})`, () => {
    it('randomBase64Url: canonical unpadded base64url of the requested length, never repeating', () => {
      const seen = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const value = platform.randomBase64Url(32);
        assert.match(value, /^[A-Za-z0-9_-]{43}$/);
        assert.equal(Buffer.from(value, 'base64url').length, 32);
        assert.equal(b64url(Buffer.from(value, 'base64url')), value, 'one spelling');
        seen.add(value);
      }
      assert.equal(seen.size, 200);
      assert.equal(Buffer.from(platform.randomBase64Url(12), 'base64url').length, 12);
    });

    it('sha256Base64Url: FIPS 180-2 vectors, and node:crypto on any text or bytes', () => {
      assert.equal(
        platform.sha256Base64Url('abc'),
        b64url(hex('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')),
      );
      assert.equal(
        platform.sha256Base64Url(''),
        b64url(hex('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')),
      );
      fc.assert(
        fc.property(anyText, (text) => {
          assert.equal(platform.sha256Base64Url(text), createHash('sha256').update(text).digest('base64url'));
        }),
      );
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
          assert.equal(
            platform.sha256Base64Url(bytes),
            createHash('sha256').update(bytes).digest('base64url'),
          );
        }),
      );
    });

    it('hmacSha256Base64Url: RFC 4231 case 2, node:crypto on any key and text, and the key is copied', () => {
      const jefe = platform.hmacSha256Base64Url(new TextEncoder().encode('Jefe'));
      assert.equal(
        jefe('what do ya want for nothing?'),
        b64url(hex('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')),
      );
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), anyText, (key, text) => {
          const signer = platform.hmacSha256Base64Url(key);
          const expected = createHmac('sha256', key).update(text).digest('base64url');
          assert.equal(signer(text), expected);
          assert.equal(signer(text), expected, 'a signer can be used again');
        }),
      );
      const key = new Uint8Array(32).fill(7);
      const signer = platform.hmacSha256Base64Url(key);
      const before = signer('token');
      key.fill(8);
      assert.equal(signer('token'), before, 'changing the key afterwards changes nothing');
    });

    it('aes256Gcm: a value sealed here opens here and in the other variant, with its field only', () => {
      const mine = platform.aes256Gcm(KEY);
      const theirs = other.aes256Gcm(KEY);
      fc.assert(
        fc.property(anyText, fc.string({ maxLength: 20 }), (plaintext, field) => {
          const [iv, body, tag] = mine.seal(plaintext, field);
          assert.equal(Buffer.from(iv, 'base64url').length, 12);
          assert.equal(Buffer.from(tag, 'base64url').length, 16);
          // Lone surrogates become U+FFFD in UTF-8, as Buffer does; everything else round-trips.
          const expected = Buffer.from(plaintext, 'utf8').toString('utf8');
          assert.equal(mine.open(iv, body, tag, field), expected);
          assert.equal(theirs.open(iv, body, tag, field), expected);
          assert.throws(() => mine.open(iv, body, tag, `${field}x`), 'another field');
        }),
        { numRuns: 50 },
      );
      const [iv1] = mine.seal('same', 'f');
      const [iv2] = mine.seal('same', 'f');
      assert.notEqual(iv1, iv2, 'a fresh IV per seal');
    });

    it('aes256Gcm: opens what coatcheck sealed before the platform split', () => {
      const [, id, iv, body, tag] = LEGACY.split('.') as [string, string, string, string, string];
      assert.equal(platform.sha256Base64Url(KEY).slice(0, 8), id, 'the key id is unchanged');
      assert.equal(platform.aes256Gcm(KEY).open(iv, body, tag, 'cart'), LEGACY_PLAINTEXT);
    });

    it('aes256Gcm: a changed body, tag, IV or key, a truncated tag or a malformed part is refused', () => {
      const cipher = platform.aes256Gcm(KEY);
      const [iv, body, tag] = cipher.seal('{"n":1}', 'f');
      const flip = (part: string) => {
        const bytes = Buffer.from(part, 'base64url');
        bytes[0]! ^= 1;
        return b64url(bytes);
      };
      assert.equal(cipher.open(iv, body, tag, 'f'), '{"n":1}', 'the untouched value opens');
      assert.throws(() => cipher.open(iv, flip(body), tag, 'f'));
      assert.throws(() => cipher.open(iv, body, flip(tag), 'f'));
      assert.throws(() => cipher.open(flip(iv), body, tag, 'f'));
      assert.throws(() => platform.aes256Gcm(new Uint8Array(32)).open(iv, body, tag, 'f'));
      // A 12-byte prefix of the right tag: node:crypto alone would accept it (tags down to 4 bytes).
      assert.throws(() => cipher.open(iv, body, b64url(Buffer.from(tag, 'base64url').subarray(0, 12)), 'f'));
      assert.throws(() => cipher.open(b64url(Buffer.from(iv, 'base64url').subarray(0, 8)), body, tag, 'f'));
      assert.throws(() => cipher.open(iv, `${body.slice(0, -1)}!`, tag, 'f'));
    });
  });
}
