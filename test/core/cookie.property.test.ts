import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseCookies, readCookie, serializeCookie } from '../../src/core/cookie.ts';

const TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const OCTET_CHARS = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i))
  .filter((c) => !'",;\\'.includes(c))
  .join('');

const token = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 12 });
const cookieValue = fc.string({ unit: fc.constantFrom(...OCTET_CHARS), maxLength: 24 });
/** Any string at all: full unicode, lone surrogates, control characters. */
const anyString = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' }), fc.string());
/** Strings biased toward the cookie grammar's delimiters, so the scanner's edge cases come up often. */
const cookieish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        ';',
        '=',
        ' ',
        '\t',
        '"',
        '%',
        '%2',
        '%E0',
        '%20',
        'a',
        'sid',
        '__proto__',
        'constructor',
      ),
      fc.string({ unit: 'binary', maxLength: 4 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));
const header = fc.oneof(anyString, cookieish);

function decodeLikeParse(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

test('parseCookies never throws and always returns a prototype-less object of strings', () => {
  fc.assert(
    fc.property(header, (input) => {
      const result = parseCookies(input);
      assert.equal(Object.getPrototypeOf(result), null);
      for (const key of Object.keys(result)) {
        assert.notEqual(key, '');
        assert.equal(typeof result[key], 'string');
      }
    }),
    { numRuns: 2000 },
  );
});

test('readCookie never throws and reports a consistent count', () => {
  fc.assert(
    fc.property(header, fc.oneof(anyString, fc.constantFrom('sid', 'a', '__proto__')), (input, name) => {
      const found = readCookie(input, name);
      assert.equal(found.count === 0, found.value === undefined);
      if (found.count < 2) assert.equal(found.conflicting, false);
    }),
    { numRuns: 2000 },
  );
});

test('serialize then parse round-trips valid name/value pairs (first duplicate wins)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(token, cookieValue), { minLength: 1, maxLength: 8 }), (pairs) => {
      const cookieHeader = pairs.map(([name, value]) => serializeCookie(name, value, {})).join('; ');
      const parsed = parseCookies(cookieHeader);
      const first = new Map<string, string>();
      for (const [name, value] of pairs) if (!first.has(name)) first.set(name, value);
      assert.deepEqual(Object.keys(parsed).sort(), [...first.keys()].sort());
      for (const [name, value] of first) {
        // parseCookies percent-decodes; readCookie returns the raw value byte for byte.
        assert.equal(parsed[name], decodeLikeParse(value));
        const found = readCookie(cookieHeader, name);
        assert.equal(found.value, value);
        const values = pairs.filter(([n]) => n === name).map(([, v]) => v);
        assert.equal(found.count, values.length);
        assert.equal(found.conflicting, new Set(values).size > 1);
      }
    }),
    { numRuns: 1000 },
  );
});

test('readCookie agrees with parseCookies on the first value of every name', () => {
  fc.assert(
    fc.property(header, anyString, (input, extraName) => {
      const parsed = parseCookies(input);
      for (const name of [...Object.keys(parsed), extraName]) {
        const found = readCookie(input, name);
        assert.equal(found.count > 0, Object.hasOwn(parsed, name));
        if (found.value !== undefined) assert.equal(decodeLikeParse(found.value), parsed[name]);
      }
    }),
    { numRuns: 2000 },
  );
});
