import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { utf8Length } from '../../src/core/utf8.ts';

test('utf8Length equals the length TextEncoder produces, for any string (lone surrogates included)', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (text) => {
      assert.equal(utf8Length(text), new TextEncoder().encode(text).length);
    }),
    { numRuns: 2000 },
  );
  assert.equal(utf8Length('a\u00e9\u65e5\u{1F9E5}'), 1 + 2 + 3 + 4);
  assert.equal(utf8Length('\ud800'), 3);
});
