/**
 * What the CLI learns by enumerating a store through `Store.scan`: the expired count, the per-user
 * session counts (for the top 10) and the most recently seen live sessions. One pass over the
 * store, page by page, keeping memory bounded by the number of users and the `list` limit.
 * Stores without `scan` (memcached) get `undefined` from {@link canInspect}, and the commands say
 * what they cannot show.
 */
import { type Store, type StoreEntry, storeCapabilities } from '../core/store.ts';

/** One user and how many live sessions they hold. */
export interface UserCount {
  readonly userId: string;
  readonly sessions: number;
}

/** What one pass over the store found. */
export interface Inspection {
  /** Records past their expiry that a purge would remove (0 where the backend expires them itself). */
  readonly expired: number;
  /** Live sessions per user (anonymous sessions are not counted). */
  readonly users: ReadonlyMap<string, number>;
  /** Live sessions, most recently seen first, at most the `recent` asked for. */
  readonly recent: StoreEntry[];
}

/** Runs one store call under the CLI's deadline. */
export type StoreCaller = <T>(operation: string, run: () => Promise<T>) => Promise<T>;

/** Records read per scan call. */
const PAGE_SIZE = 1000;

/** Whether `store` can be enumerated (it offers `scan`). */
export function canInspect(store: Store): boolean {
  return storeCapabilities(store).scan;
}

const byLastSeen = (a: StoreEntry, b: StoreEntry) => b.record.lastSeenAt - a.record.lastSeenAt;

/**
 * Pages through every record of `store` (which must offer `scan`), each page under `call`'s deadline.
 * `recent`: how many of the most recently seen live sessions to keep (0 keeps none).
 */
export async function inspectStore(store: Store, call: StoreCaller, recent = 0): Promise<Inspection> {
  const scan = store.scan?.bind(store);
  if (scan === undefined) throw new TypeError(`The ${store.name} store offers no scan.`);
  let expired = 0;
  const users = new Map<string, number>();
  let kept: StoreEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await call('scan', () => scan({ cursor, limit: PAGE_SIZE }));
    const now = Date.now();
    for (const entry of page.entries) {
      const { record } = entry;
      if (record.expiresAt <= now) {
        expired += 1;
        continue;
      }
      if (record.userId !== null) users.set(record.userId, (users.get(record.userId) ?? 0) + 1);
      if (recent > 0) kept.push(entry);
    }
    // Sorting only when the buffer doubles keeps this linear-ish and the memory at 2 × recent.
    if (kept.length > 2 * recent) kept = kept.sort(byLastSeen).slice(0, recent);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { expired, users, recent: kept.sort(byLastSeen).slice(0, recent) };
}

/** The `limit` users with the most live sessions, most first (ties by user id). */
export function topUsers(users: ReadonlyMap<string, number>, limit: number): UserCount[] {
  return [...users]
    .map(([userId, sessions]) => ({ userId, sessions }))
    .sort((a, b) => b.sessions - a.sessions || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
    .slice(0, limit);
}
