import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeValue, defaultCodecLimits, encodeValue } from '../../src/core/codec.ts';
import { CodecError, CorruptRecordError, ErrorCodes } from '../../src/core/errors.ts';
import { codecEqual } from '../support/codec-equal.ts';

function roundTrip(value: unknown): unknown {
  return decodeValue(encodeValue(value));
}

function assertCodecError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof CodecError, `expected CodecError, got ${String(error)}`);
    assert.equal(error.code, ErrorCodes.CODEC);
    assert.match(error.message, message);
    return true;
  });
}

function assertCorrupt(text: string, limits = defaultCodecLimits): void {
  assert.throws(
    () => decodeValue(text, limits),
    (error: unknown) => {
      assert.ok(
        error instanceof CorruptRecordError,
        `expected CorruptRecordError for ${String(text).slice(0, 80)}`,
      );
      assert.equal(error.code, ErrorCodes.CORRUPT_RECORD);
      return true;
    },
  );
}

function nestedArrays(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('codec: round trips', () => {
  const cases: Array<[string, unknown]> = [
    ['null', null],
    ['true', true],
    ['false', false],
    ['integer', 42],
    ['float', -3.25],
    ['max safe integer', Number.MAX_SAFE_INTEGER],
    ['empty string', ''],
    ['unicode string', 'héllo 🧥 \u2028 "quotes" \\'],
    ['lone surrogate', '\ud800x'],
    ['empty object', {}],
    ['empty array', []],
    ['plain object', { a: 1, b: 'two', c: [true, null] }],
    ['date', new Date('2026-01-02T03:04:05.678Z')],
    ['date before epoch', new Date(-1e12)],
    ['bigint', 123456789012345678901234567890n],
    ['negative bigint', -5n],
    ['zero bigint', 0n],
    [
      'map',
      new Map<unknown, unknown>([
        ['a', 1],
        [2, 'b'],
        [{ k: 1 }, [1]],
        [new Date(0), 3n],
      ]),
    ],
    ['set', new Set<unknown>([1, 'a', { x: 1 }, new Date(5)])],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['-0', -0],
    ['object with $cc key', { $cc: 'Date', v: 'not a date' }],
    ['nested $cc key', { a: [{ $cc: 'Map', v: [] }], $cc: { $cc: 1 } }],
    [
      'nested mix',
      {
        cart: [{ sku: 'x', added: new Date(1), qty: 2n, tags: new Set(['a']) }],
        prefs: new Map([['theme', { dark: true, since: new Date(2) }]]),
        n: [Number.NaN, -0, 1],
      },
    ],
  ];
  for (const [name, value] of cases) {
    test(`round-trips ${name}`, () => {
      assert.deepStrictEqual(roundTrip(value), value);
    });
  }

  test('plain JSON values encode as themselves', () => {
    assert.equal(encodeValue('hi'), '"hi"');
    assert.equal(encodeValue({ a: 1 }), '{"a":1}');
    assert.equal(encodeValue([1, 'x', null]), '[1,"x",null]');
    assert.equal(encodeValue(true), 'true');
  });

  test('special types use tagged objects', () => {
    assert.equal(encodeValue(new Date(0)), '{"$cc":"Date","v":"1970-01-01T00:00:00.000Z"}');
    assert.equal(encodeValue(123n), '{"$cc":"BigInt","v":"123"}');
    assert.equal(encodeValue(new Map([['a', 1]])), '{"$cc":"Map","v":[["a",1]]}');
    assert.equal(encodeValue(new Set([1])), '{"$cc":"Set","v":[1]}');
    assert.equal(encodeValue(-0), '{"$cc":"Number","v":"-0"}');
  });

  test('a user object with a $cc key is escaped, not read as a tag', () => {
    const value = { $cc: 'Function', v: 'return 1' };
    assert.equal(encodeValue(value), '{"$cc":"Object","v":{"$cc":"Function","v":"return 1"}}');
    assert.deepStrictEqual(roundTrip(value), value);
  });

  test('undefined object properties are dropped, like JSON', () => {
    assert.equal(encodeValue({ a: undefined, b: 1 }), '{"b":1}');
    assert.deepStrictEqual(roundTrip({ a: 1, b: undefined, c: { d: undefined } }), { a: 1, c: {} });
  });

  test('null-prototype objects come back as plain objects', () => {
    const value = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const decoded = roundTrip(value);
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
    assert.deepStrictEqual(decoded, { a: 1 });
  });

  test('shared (acyclic) references are allowed and written out in full', () => {
    const shared = { x: 1 };
    assert.deepStrictEqual(roundTrip({ a: shared, b: [shared] }), { a: { x: 1 }, b: [{ x: 1 }] });
  });

  test('the input is never mutated', () => {
    const value = { d: new Date(0), list: [1n], o: { $cc: 1 } };
    encodeValue(value);
    assert.deepStrictEqual(value, { d: new Date(0), list: [1n], o: { $cc: 1 } });
  });
});

describe('codec: encode rejections', () => {
  class Point {
    x = 1;
  }
  const cases: Array<[string, unknown, RegExp]> = [
    ['function in an array', { cart: [1, 2, { price: () => 1 }] }, /cart\[2\]\.price: functions/],
    ['symbol', { s: Symbol('x') }, /s: symbols/],
    ['top-level undefined', undefined, /top-level value: undefined/],
    ['undefined array element', { list: [1, undefined] }, /list\[1\]: undefined/],
    ['array hole', { list: new Array<number>(3).fill(1, 0, 1) }, /list\[1\]: undefined/],
    ['undefined Set element', { s: new Set([undefined]) }, /s\.values\(\)\[0\]: undefined/],
    ['undefined Map value', { m: new Map([['k', undefined]]) }, /m\.get\("k"\): undefined/],
    ['class instance', { p: new Point() }, /p: Object instances are not supported/],
    ['typed array', { bytes: new Uint8Array(2) }, /bytes: Uint8Array instances/],
    ['RegExp', /x/, /top-level value: RegExp instances/],
    ['Error', [new Error('x')], /\[0\]: Error instances/],
    ['boxed string', { s: new String('x') }, /s: String instances/],
    ['invalid date', { when: new Date(Number.NaN) }, /when: invalid Date/],
    ['Map subclass', new (class extends Map {})(), /instances are not supported/],
    ['__proto__ key', { a: JSON.parse('{"__proto__":{"x":1}}') }, /a\.__proto__: forbidden key/],
    ['constructor key', { a: [{ constructor: 1 }] }, /a\[0\]\.constructor: forbidden key/],
    ['prototype key', { prototype: {} }, /prototype: forbidden key/],
    ['forbidden Map key', new Map([['__proto__', 1]]), /entries\(\)\[0\]\[0\]: the Map key "__proto__"/],
    ['quoted key in path', { 'a b': { f: () => 1 } }, /\["a b"\]\.f: functions/],
  ];
  for (const [name, value, message] of cases) {
    test(`rejects ${name}`, () => assertCodecError(() => encodeValue(value), message));
  }

  test('rejects cycles with their path', () => {
    const root: Record<string, unknown> = { list: [] };
    (root.list as unknown[]).push({ back: root });
    assertCodecError(() => encodeValue(root), /list\[0\]\.back: circular reference/);
    const map = new Map<string, unknown>();
    map.set('self', map);
    assertCodecError(() => encodeValue(map), /get\("self"\): circular reference/);
  });

  test('depth limit: exactly maxDepth passes, one more fails', () => {
    const limits = { maxDepth: 4, maxBytes: 65536 };
    assert.deepStrictEqual(decodeValue(encodeValue(nestedArrays(4), limits), limits), nestedArrays(4));
    assertCodecError(
      () => encodeValue(nestedArrays(5), limits),
      /\[0\]\[0\]\[0\]\[0\]: nesting deeper than maxDepth 4/,
    );
    assert.doesNotThrow(() => encodeValue(nestedArrays(32)));
    assertCodecError(() => encodeValue(nestedArrays(33)), /maxDepth 32/);
  });

  test('depth counts Maps, Sets and escaped objects but not tagged scalars', () => {
    const limits = { maxDepth: 2, maxBytes: 65536 };
    const ok = [new Map([[1, new Set([new Date(0), 1n, -0])]])];
    assertCodecError(() => encodeValue(ok, limits), /maxDepth 2/);
    const fits = new Map([[1, new Set([new Date(0), 1n, -0])]]);
    assert.deepStrictEqual(decodeValue(encodeValue(fits, limits), limits), fits);
    assertCodecError(() => encodeValue({ a: { $cc: {} } }, limits), /maxDepth 2/);
  });

  test('size limit: exactly maxBytes passes, one byte more fails, counted in UTF-8', () => {
    const limits = { maxDepth: 32, maxBytes: 12 };
    assert.equal(encodeValue('é'.repeat(5), limits), `"${'é'.repeat(5)}"`); // 2 + 5 * 2 bytes
    assertCodecError(() => encodeValue('é'.repeat(6), limits), /14 bytes, over the limit of 12 bytes/);
    assertCodecError(() => encodeValue('x'.repeat(70000)), /70002 bytes, over the limit of 65536/);
    assert.doesNotThrow(() => encodeValue('x'.repeat(65534)));
  });
});

describe('codec: decode rejections', () => {
  const garbage = [
    '',
    '{',
    'undefined',
    "{'a':1}",
    '{"$cc":"Function","v":"return process"}',
    '{"$cc":"Date","v":"yesterday"}',
    '{"$cc":"Date","v":"2026-01-01"}',
    '{"$cc":"Date","v":0}',
    '{"$cc":"BigInt","v":"12x"}',
    '{"$cc":"BigInt","v":"01"}',
    '{"$cc":"BigInt","v":12}',
    '{"$cc":"Number","v":"1"}',
    '{"$cc":"Number","v":"__proto__"}',
    '{"$cc":"Map","v":{}}',
    '{"$cc":"Map","v":[[1]]}',
    '{"$cc":"Map","v":[[1,2],[1,3]]}',
    '{"$cc":"Map","v":[["__proto__",1]]}',
    '{"$cc":"Set","v":[1,1]}',
    '{"$cc":"Set","v":"abc"}',
    '{"$cc":"Object","v":[]}',
    '{"$cc":"Object","v":{"a":1}}',
    '{"$cc":"Date","v":"1970-01-01T00:00:00.000Z","extra":1}',
    '{"$cc":"Date"}',
    '{"$cc":7,"v":1}',
    '{"__proto__":{"polluted":1}}',
    '{"a":[{"__proto__":{"polluted":1}}]}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"$cc":"Object","v":{"$cc":1,"__proto__":{"polluted":1}}}',
    '{"prototype":1}',
  ];
  for (const text of garbage) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      assertCorrupt(text);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false);
    });
  }

  test('rejects non-string input with CorruptRecordError', () => {
    assertCorrupt(42 as unknown as string);
  });

  test('depth limit: exactly maxDepth decodes, one more is corrupt', () => {
    const limits = { maxDepth: 3, maxBytes: 65536 };
    assert.deepStrictEqual(decodeValue('[[[1]]]', limits), [[[1]]]);
    assertCorrupt('[[[[1]]]]', limits);
    assertCorrupt('{"a":{"b":{"c":{}}}}', limits);
    assert.deepStrictEqual(decodeValue('[[{"$cc":"Set","v":[]}]]', limits), [[new Set()]]);
    assertCorrupt('[[[{"$cc":"Set","v":[]}]]]', limits);
    assert.deepStrictEqual(decodeValue('[[[{"$cc":"Date","v":"1970-01-01T00:00:00.000Z"}]]]', limits), [
      [[new Date(0)]],
    ]);
    assertCorrupt(`${'['.repeat(30000)}${']'.repeat(30000)}`);
  });

  test('size limit: exactly maxBytes decodes, one byte more is corrupt', () => {
    const limits = { maxDepth: 32, maxBytes: 12 };
    assert.equal(decodeValue(`"${'é'.repeat(5)}"`, limits), 'é'.repeat(5));
    assertCorrupt(`"${'é'.repeat(6)}"`, limits);
    assertCorrupt(`"${'x'.repeat(11)}"`, limits);
  });

  test('decoded objects have Object.prototype and no prototype from the data', () => {
    const decoded = decodeValue('{"a":{"b":1},"list":[{"c":2}]}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
    assert.equal(Object.getPrototypeOf(decoded.a), Object.prototype);
  });
});

describe('codec: codecEqual', () => {
  const equal: Array<[string, unknown, unknown]> = [
    ['same primitives', 'a', 'a'],
    ['NaN', Number.NaN, Number.NaN],
    ['bigints', 10n, 10n],
    ['dates by time', new Date(5), new Date(5)],
    ['objects in any key order', { a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }],
    ['undefined property counts as absent', { a: 1, b: undefined }, { a: 1 }],
    ['null-prototype object', Object.assign(Object.create(null) as object, { a: 1 }), { a: 1 }],
    ['maps', new Map([['a', { x: 1 }]]), new Map([['a', { x: 1 }]])],
    ['sets', new Set([1, new Date(2)]), new Set([1, new Date(2)])],
    ['a value and its round trip', { d: new Date(1), m: new Map([[1n, new Set(['x'])]]) }, undefined],
  ];
  for (const [name, a, b] of equal) {
    test(`equal: ${name}`, () => {
      assert.equal(codecEqual(a, b === undefined ? roundTrip(a) : b), true);
    });
  }
  const unequal: Array<[string, unknown, unknown]> = [
    ['different numbers', 1, 2],
    ['0 and -0', 0, -0],
    ['number and string', 1, '1'],
    ['number and bigint', 1, 1n],
    ['null and object', null, {}],
    ['dates', new Date(1), new Date(2)],
    ['date and its time', new Date(1), 1],
    ['array and object', [], {}],
    ['arrays of different length', [1], [1, 2]],
    ['extra key', { a: 1 }, { a: 1, b: 2 }],
    ['missing key', { a: 1, b: 2 }, { a: 1 }],
    ['nested difference', { a: [{ b: 1 }] }, { a: [{ b: 2 }] }],
    [
      'maps in another order',
      new Map([
        [1, 1],
        [2, 2],
      ]),
      new Map([
        [2, 2],
        [1, 1],
      ]),
    ],
    ['map and object', new Map(), {}],
    ['sets in another order', new Set([1, 2]), new Set([2, 1])],
    ['set and array', new Set([1]), [1]],
    ['class instance and plain object', new (class {})(), {}],
    ['functions, even the same one', codecEqual, codecEqual],
    ['undefined', undefined, undefined],
  ];
  for (const [name, a, b] of unequal) {
    test(`not equal: ${name}`, () => {
      assert.equal(codecEqual(a, b), false);
      assert.equal(codecEqual(b, a), false);
    });
  }

  test('cycles end and are not equal', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    const b: Record<string, unknown> = {};
    b.self = b;
    assert.equal(codecEqual(a, b), false);
    assert.equal(codecEqual(a, a), false);
  });
});
