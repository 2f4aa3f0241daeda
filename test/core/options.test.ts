import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toMilliseconds } from '../../src/core/duration.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { resolveOptions, type SessionCookieOptions, type SessionsOptions } from '../../src/core/options.ts';
import { createSessions } from '../../src/core/sessions.ts';
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
      persistent: false,
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

describe('cookie options are checked with the cookie grammar at createSessions', () => {
  const bad: [string, Partial<SessionCookieOptions> | Record<string, unknown>, RegExp][] = [
    ['domain with ;', { domain: 'example.com; Secure' }, /`cookie\.domain`/],
    ['domain with a control character', { domain: 'exa\u0001mple.com' }, /`cookie\.domain`/],
    ['domain with a space', { domain: 'exa mple.com' }, /`cookie\.domain`/],
    ['domain with an empty label', { domain: 'domain..com' }, /`cookie\.domain`/],
    ['path with a quote and markup', { path: '/login"><script>' }, /`cookie\.path`/],
    ['path with ;', { path: '/a;b' }, /`cookie\.path`/],
    ['path not starting with /', { path: 'app' }, /`cookie\.path`/],
    ['sameSite foo', { sameSite: 'foo' }, /`cookie\.sameSite`.*'lax', 'strict' or 'none'/],
    ['sameSite true', { sameSite: true }, /`cookie\.sameSite`/],
    ['name with a space', { name: 'my sid' }, /`cookie\.name`/],
    ['secure as a string', { secure: 'yes' }, /`cookie\.secure`/],
  ];
  for (const [what, cookie, pattern] of bad) {
    it(`${what}: ConfigError naming the option`, () => {
      assert.throws(
        () =>
          createSessions({
            store: memoryStore(),
            cookie: { secure: false, ...cookie } as SessionCookieOptions,
          }),
        (error: unknown) =>
          error instanceof ConfigError && error.code === 'COATCHECK_CONFIG' && pattern.test(error.message),
      );
    });
  }

  it('valid domains and paths pass, and the commit then never fails on the cookie', async () => {
    const store = memoryStore();
    const sessions = createSessions({
      store,
      cookie: { secure: false, name: 'sid', domain: '.example.com', path: "/app/v1_(x)~!$&'*+,=:@%20" },
    });
    const session = sessions.load({});
    await session.set('a', 1);
    const result = await sessions.commit(session, { status: 200 });
    assert.match(result.setCookie ?? '', /Domain=\.example\.com; Path=\/app\/v1_/);
    assert.equal(await store.count(), 1);
  });
});
