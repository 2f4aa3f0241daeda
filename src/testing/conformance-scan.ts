/**
 * Conformance tests for the optional `scan`: paging through every record, live and expired.
 */
import assert from 'node:assert/strict';
import { type StoreRecord, storeCapabilities } from '../core/store.ts';
import type { SuiteContext } from './harness.ts';
import { asCreated, expiredRecord, plainRecord, randomKey, randomUserId, sampleRecord } from './records.ts';

/** Pages a scan may take before the suite calls it endless. */
const MAX_PAGES = 10_000;

export function registerScan({ storeTest }: SuiteContext, offered: boolean): void {
  if (!offered) {
    storeTest('scan not offered', async (store) => {
      assert.equal(storeCapabilities(store).scan, false);
      assert.equal(store.scan, undefined);
    });
    return;
  }

  storeTest('scan pages through every record once, live and expired, with its record', async (store) => {
    assert.equal(storeCapabilities(store).scan, true, 'the store stopped offering scan');
    const before = await store.count?.();
    const user = randomUserId();
    const live = new Map<string, StoreRecord>();
    const dead = new Map<string, StoreRecord>();
    for (let i = 0; i < 25; i++) {
      const key = randomKey();
      const expired = i % 5 === 0;
      const input = expired
        ? expiredRecord({ data: { n: String(i) } })
        : sampleRecord({ userId: i % 2 === 0 ? user : null, data: { n: String(i), $ip: '"10.0.0.1"' } });
      assert.equal(await store.create(key, input), true);
      (expired ? dead : live).set(key, asCreated(input));
    }
    // Expired records must be listed by stores that still hold them (count grew by all 25);
    // a backend with native expiry may have dropped them already.
    const after = await store.count?.();
    const holdsExpired = before !== undefined && after !== undefined && after - before === 25;

    const seen = new Map<string, StoreRecord>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.scan?.({ cursor, limit: 7 });
      assert.ok(page !== undefined && Array.isArray(page.entries), 'scan must return a page');
      assert.ok(page.entries.length <= 7, `a page of limit 7 held ${page.entries.length} entries`);
      assert.ok(page.cursor === undefined || typeof page.cursor === 'string', 'the cursor is a string');
      for (const { key, record } of page.entries) {
        assert.equal(seen.has(key), false, `scan returned ${key} twice`);
        seen.set(key, plainRecord(record));
      }
      cursor = page.cursor;
      pages += 1;
      assert.ok(pages < MAX_PAGES, 'the scan does not terminate');
    } while (cursor !== undefined);

    for (const [key, record] of live) assert.deepStrictEqual(seen.get(key), record, `live record ${key}`);
    for (const [key, record] of dead) {
      if (holdsExpired || seen.has(key))
        assert.deepStrictEqual(seen.get(key), record, `expired record ${key}`);
    }
    const least = Math.ceil(seen.size / 7);
    assert.ok(pages >= least, `${seen.size} records in pages of 7 took only ${pages} page(s)`);
  });
}
