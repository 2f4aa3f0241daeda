/**
 * The portable helpers core uses instead of `Buffer` and `node:crypto`: base64 (checked against
 * Buffer's codec), constant-time comparison, timers that may be numbers, and what they keep of the
 * wire formats (tickets, store keys and sealed values issued before the platform split).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { constantTimeEqual } from '../../src/core/constant-time.ts';
import { verifyCsrf } from '../../src/core/csrf.ts';
import { createValueCipher } from '../../src/core/encryption.ts';
import { refTimer, unrefTimer } from '../../src/core/timers.ts';
import { decodeTicket, encodeTicket, storeKeyFor } from '../../src/core/token.ts';
import { ConfigError, CsrfError, createSessions } from '../../src/index.ts';
import { base64Decode, base64UrlEncode } from '../../src/platform/base64.ts';
import { memoryStore } from '../../src/stores/memory.ts';

describe('base64 without Buffer', () => {
  it('base64UrlEncode spells every byte string as Buffer does (base64url, unpadded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        assert.equal(base64UrlEncode(bytes), Buffer.from(bytes).toString('base64url'));
      }),
    );
  });

  it('base64Decode reads both alphabets, padded or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        for (const text of [buffer.toString('base64'), buffer.toString('base64url')]) {
          assert.deepEqual(base64Decode(text), new Uint8Array(bytes), text);
        }
      }),
    );
  });

  it('base64Decode refuses other characters, misplaced padding and impossible lengths', () => {
    for (const text of ['AAA!', 'AA AA', 'A', 'AAAAA', 'A=AA', '====', 'AA=A', 'AAAA\n', 'é', 'AAA=AAAA']) {
      assert.equal(base64Decode(text), undefined, JSON.stringify(text));
    }
    assert.deepEqual(base64Decode(''), new Uint8Array(0));
    assert.deepEqual(base64Decode('AA=='), new Uint8Array(1));
  });
});

describe('constantTimeEqual', () => {
  it('is string equality, lengths and code units included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), fc.string({ maxLength: 50 }), (a, b) => {
        assert.equal(constantTimeEqual(a, b), a === b);
        assert.equal(constantTimeEqual(a, a), true);
      }),
    );
    assert.equal(constantTimeEqual('abc', 'abd'), false);
    assert.equal(constantTimeEqual('é', 'e'), false);
  });
});

describe('wire formats kept across the platform split', () => {
  const token = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';
  const secret = new TextEncoder().encode('s'.repeat(32));

  it('a ticket signed before still verifies, and store keys are unchanged', () => {
    // Issued by coatcheck before the split (node:crypto createHmac / crypto.hash).
    const signed = `${token}.SodDOyPSp4x2nP_bhUlTy6eNTgw7QsHCBiaZt0LRP5g`;
    assert.equal(encodeTicket(token, [secret]), signed);
    assert.deepEqual(decodeTicket(signed, [secret]), { ok: true, token, stale: false });
    assert.deepEqual(decodeTicket(signed, [new Uint8Array(32), secret]), { ok: true, token, stale: true });
    assert.deepEqual(decodeTicket(`${signed.slice(0, -1)}A`, [secret]), {
      ok: false,
      reason: 'bad_signature',
    });
    assert.equal(storeKeyFor(token, 'p:'), 'p:6oZqdX5MOLq_qBJ8vppAnT4fk6AP8UiP9zX8-Rev_9A');
  });

  it('createValueCipher opens a value sealed before, from a key given as base64 with a newline', () => {
    const cipher = createValueCipher(['q83vEjRWeJASNFZ4kKvN7/7cuph2VDIQq83vEjRWeJA=\n']);
    const sealed = 'e1.gXAMYw3-.VQtG5QON9zpKlaLe.x04r98keMb6F0CmDjJUuZi6JYZEYglqMfLk.tbnHonpOMuBRlyhfWL_U4g';
    assert.deepEqual(cipher.open(sealed, 'cart'), { plaintext: '{"cart":["sku-1","ünï"]}', stale: false });
    assert.equal(cipher.open(cipher.seal('x', 'f'), 'f').plaintext, 'x');
  });

  it('createValueCipher names the option when a key is not 32 bytes or not base64', () => {
    assert.throws(
      () => createValueCipher(['AAAA']),
      (e: unknown) => e instanceof ConfigError && /keys\[0\].*got 3 bytes/.test(e.message),
    );
    assert.throws(
      () => createValueCipher([new Uint8Array(32), 'not base64!']),
      (e: unknown) => e instanceof ConfigError && /keys\[1\].*not base64/.test(e.message),
    );
  });
});

describe('CSRF comparison', () => {
  it('a token of the right length with a multi-byte character is refused with a CsrfError', async () => {
    const sessions = createSessions({ store: memoryStore({ sweepIntervalMs: 0 }) });
    const session = sessions.load({});
    const token = await session.csrfToken();
    await verifyCsrf(session, { method: 'POST', token });
    await assert.rejects(verifyCsrf(session, { method: 'POST', token: `é${token.slice(1)}` }), CsrfError);
    const changed = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    await assert.rejects(verifyCsrf(session, { method: 'POST', token: changed }), CsrfError);
  });
});

describe('timers that may be numbers', () => {
  it('unrefTimer/refTimer act on Timeout objects and accept numbers', () => {
    const timer = setTimeout(() => {}, 60_000);
    try {
      unrefTimer(timer);
      assert.equal(timer.hasRef(), false);
      refTimer(timer);
      assert.equal(timer.hasRef(), true);
    } finally {
      clearTimeout(timer);
    }
    assert.doesNotThrow(() => {
      unrefTimer(42);
      refTimer(42);
      unrefTimer(undefined);
    });
  });
});
