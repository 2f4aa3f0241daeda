/**
 * Conformance tests for expiry, concurrent patches and value fidelity.
 */
import assert from 'node:assert/strict';
import { patchOf } from './conformance-basics.ts';
import type { SuiteContext } from './harness.ts';
import {
  asCreated,
  assertDead,
  expiredRecord,
  plainRecord,
  randomKey,
  sampleRecord,
  sleep,
} from './records.ts';

/** Extra wait beyond a deadline plus the backend's expiry resolution, for timer and clock jitter. */
const EXPIRY_MARGIN_MS = 250;

export function registerExpiry({ storeTest, resolutionMs }: SuiteContext): void {
  storeTest('a record created with expiresAt in the past reads as dead', async (store) => {
    const key = randomKey();
    await store.create(key, expiredRecord({}, 1));
    await assertDead(store, key);
  });

  storeTest('a record is visible before expiresAt and gone after it', async (store) => {
    const key = randomKey();
    const expiresAt = Date.now() + resolutionMs + 300;
    await store.create(key, sampleRecord({ expiresAt }));
    assert.notEqual(await store.get(key), undefined);
    await sleep(expiresAt - Date.now() + resolutionMs + EXPIRY_MARGIN_MS);
    await assertDead(store, key);
  });

  storeTest('touch extends a record past its original deadline', async (store) => {
    const key = randomKey();
    const expiresAt = Date.now() + resolutionMs + 300;
    await store.create(key, sampleRecord({ expiresAt }));
    const window = { lastSeenAt: Date.now(), expiresAt: Date.now() + 600_000 };
    assert.equal(await store.touch(key, window), true);
    await sleep(expiresAt - Date.now() + resolutionMs + EXPIRY_MARGIN_MS);
    const record = await store.get(key);
    assert.ok(record, 'the touched record must still be live');
    assert.equal(record.expiresAt, window.expiresAt);
  });
}

export function registerConcurrency({ storeTest }: SuiteContext): void {
  storeTest('50 concurrent updates of disjoint keys all survive, rev 51', async (store) => {
    const key = randomKey();
    await store.create(key, sampleRecord({ data: { base: '0' } }));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.update(key, patchOf({ [`k${i}`]: String(i) }))),
    );
    assert.deepStrictEqual(results, Array(50).fill(true));
    const record = await store.get(key);
    assert.ok(record);
    const expected: Record<string, string> = { base: '0' };
    for (let i = 0; i < 50; i++) expected[`k${i}`] = String(i);
    assert.deepStrictEqual(plainRecord(record).data, expected);
    assert.equal(record.rev, 51);
  });

  storeTest('a concurrent set of one key and delete of another both take effect', async (store) => {
    const key = randomKey();
    await store.create(key, sampleRecord({ data: { b: '"bye"', c: '"stay"' } }));
    const results = await Promise.all([
      store.update(key, patchOf({ a: '"hi"' })),
      store.update(key, patchOf({}, ['b'])),
    ]);
    assert.deepStrictEqual(results, [true, true]);
    const record = await store.get(key);
    assert.ok(record);
    assert.deepStrictEqual(plainRecord(record).data, { a: '"hi"', c: '"stay"' });
    assert.equal(record.rev, 3);
  });
}

/** Values a naive escaping, encoding or column type gets wrong. */
const trickyValues: Record<string, string> = {
  unicode: '"héllo wörld — 日本語 עברית 🧥🎟️ e\u0301"',
  quotes: `"she said \\"hi\\" and 'bye'" \`tick\``,
  backslashes: '"C:\\\\path\\\\to\\\\file \\\\n not a newline"',
  newlines: '"line1\nline2\r\nline3\ttab"',
  sqlish: `"'; DROP TABLE sessions; --"`,
  empty: '',
  long: `"${'x'.repeat(30_000)}${'é'.repeat(15_000)}"`,
};

/** Data keys a store might mangle: unicode, spaces, core's `$` prefix, dots, Object.prototype names. */
const trickyKeys: Record<string, string> = {
  'ünïcödé 🔑': '1',
  'with spaces': '2',
  $auth: '3',
  $flash: '4',
  'a.b.c': '5',
  'colon:key': '6',
  hasOwnProperty: '7',
  toString: '8',
  '': '9',
};

export function registerValues({ storeTest }: SuiteContext): void {
  storeTest('tricky values round-trip byte-exactly on create and update', async (store) => {
    const key = randomKey();
    const record = sampleRecord({ data: trickyValues });
    await store.create(key, record);
    const created = await store.get(key);
    assert.ok(created);
    assert.deepStrictEqual(plainRecord(created), asCreated(record));
    assert.equal(created.data.long?.length, 45_002);
    const updated = { unicode2: trickyValues.unicode ?? '', long2: trickyValues.long ?? '' };
    await store.update(key, patchOf(updated));
    const after = await store.get(key);
    assert.deepStrictEqual(after && plainRecord(after).data, { ...trickyValues, ...updated });
  });

  storeTest('tricky data keys round-trip and can be deleted', async (store) => {
    const key = randomKey();
    const record = sampleRecord({ data: trickyKeys });
    await store.create(key, record);
    const created = await store.get(key);
    assert.deepStrictEqual(created && plainRecord(created), asCreated(record));
    await store.update(key, patchOf({ 'new ключ': '10' }, ['$flash', 'ünïcödé 🔑', 'toString']));
    const after = await store.get(key);
    const removed = new Set(['$flash', 'ünïcödé 🔑', 'toString']);
    const kept = Object.entries(trickyKeys).filter(([name]) => !removed.has(name));
    const expected = { ...Object.fromEntries(kept), 'new ключ': '10' };
    assert.deepStrictEqual(after && plainRecord(after).data, expected);
  });
}
