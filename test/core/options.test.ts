import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toMilliseconds } from '../../src/core/duration.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { resolveOptions, type SessionsOptions } from '../../src/core/options.ts';
import { memoryStore } from '../../src/stores/memory.ts';

const store = memoryStore();
const resolve = (options: Partial<SessionsOptions>) => resolveOptions({ store, ...options });

function rejects(options: Partial<SessionsOptions>, mentions: RegExp): void {
  assert.throws(
    () => resolve(options),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
      assert.equal(error.code, 'COATCHECK_CONFIG');
      assert.match(error.message, mentions);
      return true;
    },
  );
}

describe('options', () => {
  it('defaults: __Host-sid, HttpOnly, Secure, Lax, 30 min idle, 7 days absolute, touch after a quarter', () => {
    const resolved = resolve({});
    assert.deepEqual(resolved.cookie, {
      name: '__Host-sid',
      secure: true,
      sameSite: 'lax',
      httpOnly: true,
      domain: undefined,
      path: '/',
      partitioned: false,
    });
    assert.equal(resolved.idleMs, 30 * 60_000);
    assert.equal(resolved.absoluteMs, 7 * 86_400_000);
    assert.equal(resolved.touchAfterMs, 7.5 * 60_000);
    assert.equal(resolved.rememberMs, 30 * 86_400_000);
    assert.equal(resolved.storeTimeoutMs, 2000);
  });

  it('falls back to "sid" when the cookie cannot be __Host-', () => {
    assert.equal(resolve({ cookie: { secure: false } }).cookie?.name, 'sid');
    assert.equal(resolve({ cookie: { domain: 'example.com' } }).cookie?.name, 'sid');
    assert.equal(resolve({ cookie: { path: '/app' } }).cookie?.name, 'sid');
  });

  it('parses durations as numbers or short strings', () => {
    assert.equal(toMilliseconds('1500ms', 'x'), 1500);
    assert.equal(toMilliseconds('2s', 'x'), 2000);
    assert.equal(toMilliseconds('1.5h', 'x'), 5_400_000);
    assert.equal(toMilliseconds('1w', 'x'), 604_800_000);
    assert.equal(toMilliseconds(250, 'x'), 250);
    assert.throws(() => toMilliseconds('soon' as '1s', 'idleTimeout'), /idleTimeout/);
    assert.throws(() => toMilliseconds(-1, 'idleTimeout'), /idleTimeout/);
  });

  it('rejects unsafe or impossible configurations, naming the option and the fix', () => {
    rejects({ store: undefined as unknown as SessionsOptions['store'] }, /`store` is required/);
    rejects({ cookie: { name: '__Host-x', secure: false } }, /__Host-.*secure: true/);
    rejects({ cookie: { name: '__Host-x', domain: 'example.com' } }, /no domain/);
    rejects({ cookie: { name: '__Secure-x', secure: false } }, /__Secure-/);
    rejects({ cookie: { sameSite: 'none', secure: false } }, /sameSite: 'none'.*secure: true/);
    rejects({ cookie: { partitioned: true, secure: false } }, /partitioned/);
    rejects({ cookie: { name: 'bad name' } }, /not a valid cookie name/);
    rejects({ secrets: ['short'] }, /secrets\[0\].*at least 32/);
    rejects({ secrets: [] }, /non-empty array/);
    rejects({ idleTimeout: '2h', absoluteTimeout: '1h' }, /absoluteTimeout/);
    rejects({ touchAfter: '1h', idleTimeout: '30m' }, /touchAfter/);
    rejects({ cookie: false }, /header/);
    rejects({ header: 'bad header' }, /header/);
    rejects({ keyPrefix: 'a b' }, /keyPrefix/);
    rejects({ maxSessionBytes: 0 }, /maxSessionBytes/);
  });

  it('accepts a 32-byte secret list for signing and the header transport', () => {
    const resolved = resolve({ secrets: ['x'.repeat(32), new Uint8Array(40)], header: 'Authorization' });
    assert.equal(resolved.secrets.length, 2);
    assert.deepEqual(resolved.header, { name: 'authorization', bearer: true });
  });
});
