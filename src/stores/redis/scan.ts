/**
 * `Store.scan` for Redis: SCAN over `<prefix>s:*` with MATCH/COUNT, then HGETALL per key. On a
 * Cluster each master is scanned in turn, so the store's cursor carries the master's index and its
 * SCAN cursor. A SCAN step may hand back more keys than COUNT; the keys beyond the page travel in
 * the cursor itself and are served first by the next page. Re-running the step instead would not
 * be safe: while Redis rehashes its keyspace table, one SCAN cursor covers other buckets on the
 * second call, so skipping "the first n keys" of it would skip keys never returned.
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
  /** Store keys (Redis names without the prefix) of the last SCAN step that no page has served yet. */
  readonly pending: readonly string[];
}

/** `<node>:<SCAN cursor>` or `<node>:<SCAN cursor>:<pending keys, URI-encoded, comma-separated>`. */
const CURSOR = /^(\d{1,6}):(\d{1,20})(?::([^:]+))?$/;

function parse(cursor: string | undefined): Position {
  if (cursor === undefined) return { node: 0, cursor: '0', pending: [] };
  const match = CURSOR.exec(cursor);
  const pending = match?.[3] === undefined ? [] : match[3].split(',').map(decodeName);
  if (match === null || pending.includes(undefined))
    throw new ConfigError(`redisStore: ${JSON.stringify(cursor)} is not a scan cursor.`);
  return { node: Number(match[1]), cursor: match[2] ?? '0', pending: pending as string[] };
}

function decodeName(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

function format(position: Position): string {
  const head = `${position.node}:${position.cursor}`;
  return position.pending.length === 0
    ? head
    : `${head}:${position.pending.map(encodeURIComponent).join(',')}`;
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
  let keys: readonly string[];
  let next: Position | undefined;
  if (at.pending.length > 0) {
    keys = at.pending.slice(0, limit);
    // With nothing left, {node, '0'} starts that master's SCAN (or, past the last master, ends
    // the scan with an empty page).
    next = { ...at, pending: at.pending.slice(limit) };
  } else {
    const step = await driver.scanStep(at.node, at.cursor, `${globLiteral(sessionPrefix)}*`, limit);
    const found = step.keys.map((name) => name.slice(sessionPrefix.length));
    keys = found.slice(0, limit);
    const pending = found.slice(limit);
    if (step.cursor !== '0') next = { node: at.node, cursor: step.cursor, pending };
    else if (pending.length > 0) next = { node: at.node + 1, cursor: '0', pending };
    else if (at.node + 1 < step.nodes) next = { node: at.node + 1, cursor: '0', pending: [] };
  }
  return { entries: await readRecords(driver, sessionPrefix, keys), cursor: next && format(next) };
}

/** The records behind `keys`, in batches; a key gone since SCAN saw it is left out. */
async function readRecords(driver: RedisDriver, sessionPrefix: string, keys: readonly string[]) {
  const entries: StoreEntry[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    const batch = keys.slice(i, i + 100);
    const replies = await Promise.all(
      batch.map((key) => driver.command(sessionPrefix + key, ['HGETALL', sessionPrefix + key])),
    );
    replies.forEach((reply, j) => {
      const record = recordFromHash(reply);
      const key = batch[j];
      if (record !== undefined && key !== undefined) entries.push({ key, record });
    });
  }
  return entries;
}

/** Escapes glob characters so a prefix matches itself in SCAN MATCH. */
export function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
