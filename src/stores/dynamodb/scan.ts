/**
 * `scan`, `count` and `purgeExpired`: the only operations that Scan the table. None of them is on
 * a request's path; each reads every item of the table (one read unit per 4 KB, strongly
 * consistent), so run them from a job or the CLI, not per request.
 */
import type { StoreEntry, StoreScanOptions, StoreScanPage } from '../../core/store.ts';
import { inBatches } from '../shared/in-batches.ts';
import { scanLimit } from '../shared/scan-page.ts';
import type { DynamoContext } from './context.ts';
import { Expression, type Item } from './driver.ts';
import { A, isForwarder, isRecord, keyOfItem, numberOf, ownerOf, recordOf } from './items.ts';
import { membersOf } from './user-index.ts';

/** The filter that keeps session records (drops forwarders and user index items). */
function recordsOnly(): { expression: Expression; filter: string } {
  const expression = new Expression();
  return { expression, filter: `attribute_exists(${expression.name(A.expires)})` };
}

/** One page of records; the cursor is where DynamoDB stopped (opaque to callers). */
export async function scanRecords(context: DynamoContext, options: StoreScanOptions): Promise<StoreScanPage> {
  const limit = scanLimit('dynamoDbStore', options.limit);
  const page = await context.driver.scan({ start: options.cursor, limit, ...recordsOnly() });
  const entries: StoreEntry[] = [];
  for (const item of page.items) {
    const key = keyOfItem(item);
    if (key !== undefined) entries.push({ key, record: recordOf(item) });
  }
  return { entries, cursor: page.next };
}

/** Every item of the table, page by page. */
async function* allItems(context: DynamoContext, filtered: boolean): AsyncGenerator<Item[]> {
  let start: string | undefined;
  do {
    const page = await context.driver.scan({ start, ...(filtered ? recordsOnly() : {}) });
    yield page.items;
    start = page.next;
  } while (start !== undefined);
}

/** How many records the table holds, live and expired (forwarders and index items left out). */
export async function countRecords(context: DynamoContext): Promise<number> {
  let count = 0;
  for await (const items of allItems(context, true)) count += items.length;
  return count;
}

/**
 * Deletes expired records and forwarders past their window (DynamoDB's TTL does too, but only
 * within days), and prunes dangling members of every user index.
 * @returns how many records were removed.
 */
export async function purge(context: DynamoContext): Promise<number> {
  const { driver, index } = context;
  let removed = 0;
  for await (const items of allItems(context, false)) {
    const now = Date.now();
    const outcomes = await inBatches(items, 25, async (item) => {
      const key = keyOfItem(item);
      const e = new Expression();
      if (key !== undefined && isRecord(item) && (numberOf(item, A.expires) ?? 0) <= now) {
        // Conditional: a touch may have extended it since the scan read it.
        const old = await driver.delete(item.pk?.S ?? '', e, `${e.name(A.expires)} <= ${e.number(now)}`);
        if (!old) return 0;
        const owner = ownerOf(old);
        if (owner !== undefined) await index.remove(owner, [key]);
        return 1;
      }
      if (key !== undefined && isForwarder(item) && (numberOf(item, A.forwardUntil) ?? 0) <= now) {
        const old = await driver.delete(item.pk?.S ?? '', e, `${e.name(A.forwardUntil)} <= ${e.number(now)}`);
        const owner = old ? ownerOf(old) : undefined;
        if (owner !== undefined) await index.remove(owner, [key]);
        return 0;
      }
      const userId = item.pk?.S?.startsWith('u#') ? item.pk.S.slice(2) : undefined;
      if (userId !== undefined) await index.prune(userId, membersOf(item));
      return 0;
    });
    for (const outcome of outcomes) removed += outcome;
  }
  return removed;
}
