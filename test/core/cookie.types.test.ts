/**
 * Type tests: tsc checks this file (an unused `@ts-expect-error` fails the type-check), and the
 * runtime test below proves the valid forms serialize.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CookieOptionsFor, serializeCookie, serializeCookieDeletion } from '../../src/core/cookie.ts';
import { CookieError } from '../../src/core/errors.ts';

// Valid forms compile.
const host = serializeCookie('__Host-sid', 'v', { secure: true, path: '/', httpOnly: true, sameSite: 'lax' });
const secure = serializeCookie('__Secure-sid', 'v', { secure: true, path: '/app', domain: 'example.com' });
const plain = serializeCookie('sid', 'v', { path: '/app', domain: 'example.com' });
const dynamic = serializeCookie('sid' as string, 'v', {});
const hostOptions: CookieOptionsFor<'__Host-sid'> = { secure: true, path: '/' };

// @ts-expect-error the type alone rejects a __Host- options object without secure
const badOptions: CookieOptionsFor<'__Host-sid'> = { path: '/' };

test('the forms that do not type-check also throw CookieError at run time', () => {
  const invalid: Array<() => string> = [
    // @ts-expect-error __Host- requires secure: true
    () => serializeCookie('__Host-sid', 'v', { path: '/' }),
    // @ts-expect-error __Host- requires path: '/'
    () => serializeCookie('__Host-sid', 'v', { secure: true }),
    // @ts-expect-error __Host- requires path '/', not another path
    () => serializeCookie('__Host-sid', 'v', { secure: true, path: '/app' }),
    // @ts-expect-error __Host- forbids a Domain
    () => serializeCookie('__Host-sid', 'v', { secure: true, path: '/', domain: 'example.com' }),
    // @ts-expect-error secure must be true, not false
    () => serializeCookie('__Host-sid', 'v', { secure: false, path: '/' }),
    // @ts-expect-error __Secure- requires secure: true
    () => serializeCookie('__Secure-sid', 'v', {}),
    // @ts-expect-error deleting a __Host- cookie needs the same attributes
    () => serializeCookieDeletion('__Host-sid', { path: '/' }),
  ];
  for (const form of invalid) assert.throws(form, CookieError);
});

test('the forms that type-check serialize', () => {
  assert.equal(host, '__Host-sid=v; Path=/; HttpOnly; Secure; SameSite=Lax');
  assert.equal(secure, '__Secure-sid=v; Domain=example.com; Path=/app; Secure');
  assert.equal(plain, 'sid=v; Domain=example.com; Path=/app');
  assert.equal(dynamic, 'sid=v');
  assert.equal(serializeCookie('__Host-x', 'v', hostOptions), '__Host-x=v; Path=/; Secure');
  assert.equal(badOptions.path, '/');
});
