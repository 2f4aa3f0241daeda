/**
 * `Store.scan` for Redis: SCAN over `<prefix>s:*` with MATCH/COUNT, then HGETALL per key. On a
 * Cluster each master is scanned in turn, so the store's cursor carries the master's index, its
 * SCAN cursor, and how many keys of that SCAN step earlier pages already returned (a step may hand
 * back more keys than COUNT; the rest of it is served by re-running the same step).
 *
 * Redis's own guarantees carry over: a key that exists for the whole scan is returned, and SCAN may
 * repeat a key while the server shrinks its keyspace table; masters added during a scan may be missed.
 */
import { ConfigError } from '../../core/errors.ts';
import type { StoreEntry, StoreScanOptions, StoreScanPage } from '../../core/store.ts';
import { scanLimit } from '../shared/scan-page.ts';
import type { RedisDriver } from './driver.ts';
import { recordFromHash } from './record-hash.ts';

interface Position {
  readonly node: number;
  readonly cursor: string;
  readonly skip: number;
}

/** `<node>:<SCAN cursor>:<keys of that step already returned>`. */
const CURSOR = /^(\d{1,6}):(\d{1,20}):(\d{1,9})$/;

function parse(cursor: string | undefined): Position {
  if (cursor === undefined) return { node: 0, cursor: '0', skip: 0 };
  const match = CURSOR.exec(cursor);
  if (match === null) throw new ConfigError(`redisStore: ${JSON.stringify(cursor)} is not a scan cursor.`);
  return { node: Number(match[1]), cursor: match[2] ?? '0', skip: Number(match[3]) };
}

const format = (position: Position) => `${position.node}:${position.cursor}:${position.skip}`;

/** Escapes glob characters so a prefix matches itself in SCAN MATCH. */
export function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** One page of the store's records under `prefix`. */
export async function scanSessions(
  driver: RedisDriver,
  prefix: string,
  options: StoreScanOptions,
): Promise<StoreScanPage> {
  const limit = scanLimit('redisStore', options.limit);
  const at = parse(options.cursor);
  const sessionPrefix = `${prefix}s:`;
  const step = await driver.scanStep(at.node, at.cursor, `${globLiteral(sessionPrefix)}*`, limit);
  const names = step.keys.slice(at.skip, at.skip + limit);
  let next: Position | undefined;
  if (at.skip + limit < step.keys.length) next = { ...at, skip: at.skip + limit };
  else if (step.cursor !== '0') next = { node: at.node, cursor: step.cursor, skip: 0 };
  else if (at.node + 1 < step.nodes) next = { node: at.node + 1, cursor: '0', skip: 0 };
  const entries: StoreEntry[] = [];
  for (let i = 0; i < names.length; i += 100) {
    const batch = names.slice(i, i + 100);
    const replies = await Promise.all(batch.map((name) => driver.command(name, ['HGETALL', name])));
    replies.forEach((reply, j) => {
      const record = recordFromHash(reply);
      const name = batch[j];
      // Gone since SCAN saw it (expired or deleted): not a record any more.
      if (record !== undefined && name !== undefined)
        entries.push({ key: name.slice(sessionPrefix.length), record });
    });
  }
  return { entries, cursor: next === undefined ? undefined : format(next) };
}
