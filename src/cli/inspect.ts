/**
 * What the CLI needs and the Store contract does not offer: enumerating every session (for the
 * expired count, the per-user top 10 and `list` without `--user`). The contract has `count()` and
 * per-user listing only, so this reaches into the two backends whose layout coatcheck owns and the
 * CLI is tested against: SQLite (the session table, read-only) and Redis (SCAN over the key space).
 * Other stores get `undefined`, and the commands say what they cannot show.
 */
import type { Database } from 'better-sqlite3';
import type { Store, StoreEntry } from '../core/store.ts';
import type { CliArgs } from './args.ts';

/** One user and how many live sessions they hold. */
export interface UserCount {
  readonly userId: string;
  readonly sessions: number;
}

/** Enumeration over one store's backend. */
export interface Inspector {
  /** Records past their expiry that a purge would remove (0 where the backend expires them itself). */
  expiredCount(): Promise<number>;
  /** The users with the most live sessions, most first. */
  topUsers(limit: number): Promise<UserCount[]>;
  /** Live sessions, most recently seen first. */
  recent(limit: number): Promise<StoreEntry[]>;
  close(): Promise<void>;
}

/** The file path of a `sqlite:` URL, as from-url reads it. */
export function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length);
  return decodeURIComponent(rest.startsWith('///') ? rest.slice(2) : rest);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

async function sqliteInspector(path: string, table: string, store: Store): Promise<Inspector | undefined> {
  if (!IDENTIFIER.test(table)) return undefined; // the store itself reports the bad name
  const { default: Driver } = await import('better-sqlite3');
  let db: Database;
  try {
    db = new Driver(path, { readonly: true, fileMustExist: true, timeout: 5000 });
  } catch {
    return undefined; // a `:memory:` database or a file the store has not created yet
  }
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
  const t = `"${table}"`;
  const ready = () =>
    exists !== undefined || db.prepare('SELECT 1 FROM sqlite_master WHERE name = ?').get(table);
  return {
    async expiredCount() {
      if (!ready()) return 0;
      return (
        db.prepare(`SELECT count(*) AS n FROM ${t} WHERE expires_at <= ?`).get(Date.now()) as { n: number }
      ).n;
    },
    async topUsers(limit) {
      if (!ready()) return [];
      const rows = db
        .prepare(
          `SELECT user_id AS userId, count(*) AS sessions FROM ${t}
           WHERE user_id IS NOT NULL AND expires_at > ? GROUP BY user_id ORDER BY sessions DESC, user_id LIMIT ?`,
        )
        .all(Date.now(), limit) as UserCount[];
      return rows;
    },
    async recent(limit) {
      if (!ready()) return [];
      const keys = db
        .prepare(`SELECT key FROM ${t} WHERE expires_at > ? ORDER BY last_seen_at DESC LIMIT ?`)
        .pluck()
        .all(Date.now(), limit) as string[];
      return entriesOf(store, keys);
    },
    async close() {
      db.close();
    },
  };
}

/** Reads `keys` through the store itself, so records come back in the contract's shape. */
async function entriesOf(store: Store, keys: readonly string[]): Promise<StoreEntry[]> {
  const entries: StoreEntry[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    const batch = keys.slice(i, i + 100);
    const records = await Promise.all(batch.map((key) => store.get(key)));
    records.forEach((record, j) => {
      const key = batch[j];
      if (record !== undefined && key !== undefined) entries.push({ key, record });
    });
  }
  return entries;
}

function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** How many session keys `list` reads at most on Redis before sorting by last seen. */
const REDIS_LIST_SCAN_CAP = 10_000;

async function redisInspector(url: string, prefix: string, store: Store): Promise<Inspector> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
  client.on('error', () => {}); // reported through the failing command instead
  const scan = async (pattern: string): Promise<string[]> => {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  };
  const sessionPrefix = `${prefix}s:`;
  return {
    async expiredCount() {
      return 0; // Redis deletes each session at its PEXPIREAT deadline
    },
    async topUsers(limit) {
      const userPrefix = `${prefix}u:`;
      const users = (await scan(`${globLiteral(userPrefix)}*`)).map((key) => key.slice(userPrefix.length));
      const counts: UserCount[] = [];
      for (const userId of users) {
        // listByUser checks each index member against its session: only live sessions count.
        const sessions = (await store.listByUser?.(userId))?.length ?? 0;
        if (sessions > 0) counts.push({ userId, sessions });
      }
      return counts
        .sort((a, b) => b.sessions - a.sessions || a.userId.localeCompare(b.userId))
        .slice(0, limit);
    },
    async recent(limit) {
      const keys = (await scan(`${globLiteral(sessionPrefix)}*`))
        .slice(0, REDIS_LIST_SCAN_CAP)
        .map((key) => key.slice(sessionPrefix.length));
      const entries = await entriesOf(store, keys);
      return entries.sort((a, b) => b.record.lastSeenAt - a.record.lastSeenAt).slice(0, limit);
    },
    async close() {
      client.disconnect();
    },
  };
}

/** The inspector for `args.store`, or `undefined` when the backend has none. */
export async function openInspector(args: CliArgs, store: Store): Promise<Inspector | undefined> {
  const scheme = args.store.slice(0, Math.max(0, args.store.indexOf(':'))).toLowerCase();
  if (scheme === 'sqlite')
    return sqliteInspector(sqlitePath(args.store), args.table ?? 'coatcheck_sessions', store);
  if (scheme === 'redis' || scheme === 'rediss')
    return redisInspector(args.store, args.prefix ?? 'coatcheck:', store);
  return undefined;
}
