import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CookieAttributes,
  parseCookies,
  readCookie,
  serializeCookie,
  serializeCookieDeletion,
} from '../../src/core/cookie.ts';
import { CookieError } from '../../src/core/errors.ts';

describe('parseCookies', () => {
  it('returns an empty prototype-less object for missing headers', () => {
    for (const header of [undefined, null, '']) {
      const result = parseCookies(header);
      assert.equal(Object.getPrototypeOf(result), null);
      assert.deepEqual(Object.keys(result), []);
    }
  });

  it('parses several pairs and trims whitespace around names and values', () => {
    const result = parseCookies(' a = 1 ;b=2;\tc\t=\t3\t');
    assert.deepEqual({ ...result }, { a: '1', b: '2', c: '3' });
  });

  it('keeps the first occurrence of a duplicated name', () => {
    assert.equal(parseCookies('sid=first; sid=second').sid, 'first');
  });

  it('strips one pair of surrounding double quotes', () => {
    const result = parseCookies('a="quoted"; b=""; c=""x""; d="open');
    assert.equal(result.a, 'quoted');
    assert.equal(result.b, '');
    assert.equal(result.c, '"x"');
    assert.equal(result.d, '"open');
  });

  it('percent-decodes values that contain %, and keeps the raw value when decoding fails', () => {
    const result = parseCookies('a=hello%20world; b=%E0%A4%A; c=100%; d=plain+text');
    assert.equal(result.a, 'hello world');
    assert.equal(result.b, '%E0%A4%A');
    assert.equal(result.c, '100%');
    assert.equal(result.d, 'plain+text');
  });

  it('does not percent-decode names', () => {
    assert.equal(parseCookies('a%20b=1')['a%20b'], '1');
  });

  it('tolerates empty pairs, pairs without = and empty names', () => {
    const result = parseCookies(';;  ; flag; =orphan; a=1;;b; c=; d==x');
    assert.deepEqual({ ...result }, { a: '1', c: '', d: '=x' });
  });

  it('stores __proto__ and constructor as plain own keys without polluting prototypes', () => {
    const result = parseCookies('__proto__=evil; constructor=bad; toString=x; hasOwnProperty=y');
    assert.equal(Object.getPrototypeOf(result), null);
    assert.deepEqual(Object.entries(result), [
      ['__proto__', 'evil'],
      ['constructor', 'bad'],
      ['toString', 'x'],
      ['hasOwnProperty', 'y'],
    ]);
    assert.equal(Object.hasOwn(Object.prototype, 'evil'), false);
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
  });

  it('parses a header of 100 000 semicolons without throwing', () => {
    assert.deepEqual(Object.keys(parseCookies(';'.repeat(100_000))), []);
    const result = parseCookies(`${'x;'.repeat(100_000)}last=1`);
    assert.deepEqual({ ...result }, { last: '1' });
  });

  it('parses an 8 KB header of many cookies', () => {
    const parts: string[] = [];
    for (let i = 0; parts.join('; ').length < 8192; i++) parts.push(`c${i}=${'v'.repeat(20)}${i}`);
    const header = parts.join('; ');
    const result = parseCookies(header);
    assert.equal(Object.keys(result).length, parts.length);
    assert.equal(result.c0, `${'v'.repeat(20)}0`);
    assert.equal(result[`c${parts.length - 1}`], `${'v'.repeat(20)}${parts.length - 1}`);
  });
});

describe('readCookie', () => {
  it('finds nothing in missing headers or for an empty name', () => {
    assert.deepEqual(readCookie(undefined, 'sid'), { value: undefined, count: 0, conflicting: false });
    assert.deepEqual(readCookie(null, 'sid'), { value: undefined, count: 0, conflicting: false });
    assert.deepEqual(readCookie('=x', ''), { value: undefined, count: 0, conflicting: false });
  });

  it('returns the trimmed, unquoted value of one name', () => {
    assert.deepEqual(readCookie('a=1;  sid = "tok" ; b=2', 'sid'), {
      value: 'tok',
      count: 1,
      conflicting: false,
    });
  });

  it('matches the exact name only', () => {
    const header = 'xsid=1; sidx=2; SID=3; sid=4';
    assert.equal(readCookie(header, 'sid').value, '4');
    assert.equal(readCookie(header, 'sid').count, 1);
    assert.equal(readCookie(header, 'si').count, 0);
  });

  it('does not percent-decode', () => {
    assert.equal(readCookie('sid=a%20b', 'sid').value, 'a%20b');
  });

  it('counts duplicates and keeps the first value', () => {
    assert.deepEqual(readCookie('sid=a; sid=a; sid=a', 'sid'), { value: 'a', count: 3, conflicting: false });
  });

  it('flags two occurrences with different values as conflicting', () => {
    assert.deepEqual(readCookie('sid=a; other=1; sid=b', 'sid'), { value: 'a', count: 2, conflicting: true });
    assert.equal(readCookie('sid=a; sid=a; sid=', 'sid').conflicting, true);
  });

  it('skips pairs without = and survives 100 000 semicolons', () => {
    assert.equal(readCookie('sid; a=1', 'sid').count, 0);
    assert.equal(readCookie(';'.repeat(100_000), 'sid').count, 0);
    assert.deepEqual(readCookie(`${'sid;'.repeat(50_000)}sid=ok`, 'sid'), {
      value: 'ok',
      count: 1,
      conflicting: false,
    });
  });
});

function assertCookieError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof CookieError, 'expected a CookieError');
    assert.equal(error.code, 'COATCHECK_COOKIE');
    assert.match(error.message, pattern);
    return true;
  });
}

describe('serializeCookie', () => {
  it('emits name=value alone without attributes', () => {
    assert.equal(serializeCookie('sid', 'abc', {}), 'sid=abc');
    assert.equal(serializeCookie('sid', '', {}), 'sid=');
  });

  it('emits every attribute', () => {
    const header = serializeCookie('sid', 'abc', {
      maxAge: 3600,
      expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
      domain: 'example.com',
      path: '/app',
      secure: true,
      httpOnly: true,
      sameSite: 'strict',
      partitioned: true,
      priority: 'high',
    });
    assert.equal(
      header,
      'sid=abc; Max-Age=3600; Domain=example.com; Path=/app; Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; Secure; Partitioned; Priority=High; SameSite=Strict',
    );
  });

  it('capitalizes SameSite and omits false flags', () => {
    assert.equal(
      serializeCookie('a', 'b', { sameSite: 'lax', secure: false, httpOnly: false }),
      'a=b; SameSite=Lax',
    );
    assert.equal(serializeCookie('a', 'b', { sameSite: 'none', secure: true }), 'a=b; Secure; SameSite=None');
    assert.equal(serializeCookie('a', 'b', { priority: 'low' }), 'a=b; Priority=Low');
  });

  it('accepts a valid __Host- and __Secure- cookie', () => {
    assert.equal(
      serializeCookie('__Host-sid', 'x', { secure: true, path: '/' }),
      '__Host-sid=x; Path=/; Secure',
    );
    assert.equal(serializeCookie('__Secure-sid', 'x', { secure: true }), '__Secure-sid=x; Secure');
  });

  it('rejects names that are not RFC 6265 tokens', () => {
    for (const name of ['', 'a b', 'a;b', 'a=b', 'a,b', 'a"b', 'a\u00e9', 'a\nb', 'a(b)']) {
      assertCookieError(() => serializeCookie(name, 'v', {}), /not an RFC 6265 token/);
    }
  });

  it('rejects values with characters outside cookie-octet', () => {
    for (const value of ['a b', 'a;b', 'a,b', 'a"b', 'a\\b', 'caf\u00e9', 'a\tb', 'a\x7fb']) {
      assertCookieError(() => serializeCookie('sid', value, {}), /encode it/);
    }
  });

  it('rejects domain and path with ; or control characters', () => {
    for (const bad of ['a;b', 'a\nb', 'a\rb', '\x00', '']) {
      assertCookieError(() => serializeCookie('sid', 'v', { domain: bad }), /domain/);
      assertCookieError(() => serializeCookie('sid', 'v', { path: bad }), /path/);
    }
  });

  it('rejects a __Host- cookie without Secure, without Path=/ or with a Domain', () => {
    const host = '__Host-sid' as string;
    assertCookieError(() => serializeCookie(host, 'v', { path: '/' }), /__Host- prefix requires Secure/);
    assertCookieError(() => serializeCookie(host, 'v', { secure: true }), /__Host- prefix/);
    assertCookieError(() => serializeCookie(host, 'v', { secure: true, path: '/app' }), /__Host- prefix/);
    assertCookieError(
      () => serializeCookie(host, 'v', { secure: true, path: '/', domain: 'example.com' }),
      /no Domain/,
    );
  });

  it('rejects a __Secure- cookie without Secure', () => {
    assertCookieError(
      () => serializeCookie('__Secure-sid' as string, 'v', {}),
      /__Secure- prefix requires Secure/,
    );
  });

  it('rejects SameSite=None and Partitioned without Secure', () => {
    assertCookieError(
      () => serializeCookie('sid', 'v', { sameSite: 'none' }),
      /SameSite=None requires Secure/,
    );
    assertCookieError(
      () => serializeCookie('sid', 'v', { partitioned: true }),
      /Partitioned requires Secure/,
    );
  });

  it('rejects a maxAge that is not an integer, and an invalid expires', () => {
    for (const maxAge of [1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assertCookieError(() => serializeCookie('sid', 'v', { maxAge }), /maxAge must be an integer/);
    }
    assertCookieError(() => serializeCookie('sid', 'v', { expires: new Date(Number.NaN) }), /invalid Date/);
    assert.equal(serializeCookie('sid', 'v', { maxAge: 0 }), 'sid=v; Max-Age=0');
  });
});

describe('serializeCookieDeletion', () => {
  it('empties the value and expires the cookie now and in the past', () => {
    assert.equal(
      serializeCookieDeletion('sid', {}),
      'sid=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    );
  });

  it('repeats domain, path, secure, httpOnly, sameSite and partitioned, and drops maxAge/expires/priority', () => {
    const attributes: CookieAttributes = {
      maxAge: 999,
      expires: new Date(Date.UTC(2030, 0, 1)),
      domain: 'example.com',
      path: '/app',
      secure: true,
      httpOnly: true,
      sameSite: 'none',
      partitioned: true,
      priority: 'high',
    };
    assert.equal(
      serializeCookieDeletion('sid', attributes),
      'sid=; Max-Age=0; Domain=example.com; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; Partitioned; SameSite=None',
    );
  });

  it('keeps the prefix rules', () => {
    assert.equal(
      serializeCookieDeletion('__Host-sid', { secure: true, path: '/' }),
      '__Host-sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure',
    );
    assertCookieError(() => serializeCookieDeletion('__Host-sid' as string, { path: '/' }), /__Host- prefix/);
  });
});
