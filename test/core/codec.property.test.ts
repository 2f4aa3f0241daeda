import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeValue, encodeValue } from '../../src/core/codec.ts';
import { CorruptRecordError } from '../../src/core/errors.ts';
import { codecEqual } from '../support/codec-equal.ts';

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const limits = { maxDepth: 64, maxBytes: 1 << 24 };
const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();

const key = fc.oneof(fc.constantFrom('$cc', 'v', 'a', '0'), fc.string()).filter((k) => !FORBIDDEN.has(k));
const depth = { depthSize: 'small', maxDepth: 6, depthIdentifier: 'codec-value' } as const;

/** Every kind of value the codec supports, nested. */
const { value: supportedValue } = fc.letrec<{ value: unknown; leaf: unknown }>((tie) => ({
  value: fc.oneof(
    depth,
    tie('leaf'),
    fc.array(tie('value'), { maxLength: 5, depthIdentifier: 'codec-value' }),
    fc.dictionary(key, tie('value'), { maxKeys: 5, noNullPrototype: true, depthIdentifier: 'codec-value' }),
    fc
      .array(fc.tuple(tie('value'), tie('value')), { maxLength: 4, depthIdentifier: 'codec-value' })
      .map((entries) => new Map(entries.filter(([k]) => typeof k !== 'string' || !FORBIDDEN.has(k)))),
    fc.array(tie('value'), { maxLength: 4, depthIdentifier: 'codec-value' }).map((values) => new Set(values)),
  ),
  leaf: fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string({ unit: 'binary' }),
    fc.bigInt(),
    fc.date({ noInvalidDate: true }),
    key.map((k) => ({ [k]: k })),
  ),
}));

function isOnlyCorruptRecord(text: string): boolean {
  try {
    decodeValue(text);
    return true;
  } catch (error) {
    return error instanceof CorruptRecordError && error.code === 'COATCHECK_CORRUPT_RECORD';
  }
}

function assertNoPollution(): void {
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepStrictEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeNames);
}

test('decode(encode(v)) deep-equals v for arbitrary supported values', () => {
  fc.assert(
    fc.property(supportedValue, (value) => {
      const decoded = decodeValue(encodeValue(value, limits), limits);
      assert.deepStrictEqual(decoded, value);
      assert.equal(codecEqual(decoded, value), true);
      assert.equal(codecEqual(value, decoded), true);
    }),
    { numRuns: 500 },
  );
});

test('encoding is deterministic and re-encoding a decoded value gives the same text', () => {
  fc.assert(
    fc.property(supportedValue, (value) => {
      const text = encodeValue(value, limits);
      assert.equal(encodeValue(decodeValue(text, limits), limits), text);
    }),
    { numRuns: 300 },
  );
});

test('decodeValue throws nothing but CorruptRecordError on arbitrary strings', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), isOnlyCorruptRecord), { numRuns: 1000 });
});

test('decodeValue throws nothing but CorruptRecordError on arbitrary JSON', () => {
  fc.assert(fc.property(fc.json(), isOnlyCorruptRecord), { numRuns: 1000 });
});

test('decodeValue throws nothing but CorruptRecordError on tag-shaped JSON', () => {
  const tagged = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', maxDepth: 5 },
      fc.jsonValue({ maxDepth: 2 }),
      fc.record({
        $cc: fc.constantFrom('Date', 'BigInt', 'Number', 'Map', 'Set', 'Object', 'Function', 'RegExp'),
        v: tie('node'),
      }),
      fc.array(tie('node'), { maxLength: 3 }),
      fc.constantFrom('NaN', '-0', '1970-01-01T00:00:00.000Z', '12', '__proto__', 'constructor'),
    ),
  })).node;
  fc.assert(
    fc.property(tagged, (node) => isOnlyCorruptRecord(JSON.stringify(node) ?? '')),
    { numRuns: 1000 },
  );
});

test('no prototype pollution after decoding objects with __proto__ and friends', () => {
  const forbiddenKey = fc.constantFrom('__proto__', 'constructor', 'prototype');
  const payload = fc.dictionary(fc.constantFrom('polluted', 'toString', 'x'), fc.jsonValue({ maxDepth: 2 }));
  fc.assert(
    fc.property(
      forbiddenKey,
      payload,
      fc.jsonValue({ maxDepth: 2 }),
      fc.nat(3),
      (bad, inner, other, where) => {
        const attack = `{${JSON.stringify(bad)}:${JSON.stringify(inner)}}`;
        const wrapped = [
          attack,
          `{"a":${attack},"b":${JSON.stringify(other)}}`,
          `[${JSON.stringify(other)},${attack}]`,
          `{"$cc":"Map","v":[[1,${attack}]]}`,
        ][where]!;
        assert.throws(() => decodeValue(wrapped), CorruptRecordError);
        assertNoPollution();
      },
    ),
    { numRuns: 500 },
  );
});
