/**
 * `coatcheck/stores/memory`: an in-process store for development, tests and single-process apps.
 *
 * Sessions live in this process's memory: they vanish on restart and are not shared between
 * processes, so core warns when it is used in production. Offers every optional capability.
 */
import { ConfigError } from '../core/errors.ts';
import type {
  NewStoreRecord,
  Store,
  StoreDataPatch,
  StoreEntry,
  StorePatch,
  StoreRecord,
  StoreRotation,
  StoreTouch,
  UserLimit,
} from '../core/store.ts';
import { unrefTimer } from '../core/timers.ts';
import { freezeRecord, ShortValues } from './memory/compact-record.ts';
import { applyPatch } from './shared/apply-patch.ts';
import { SmallestKeys, scanLimit } from './shared/scan-page.ts';
import { planUserLimit } from './shared/user-limit.ts';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most records kept. When full, creating a record evicts the least recently used one (a `get`,
   * `update` or `touch` counts as use). A positive integer; default 10 000.
   */
  readonly maxEntries?: number;
  /**
   * How often (ms) a background sweep removes expired records. The timer starts with the first
   * session stored (never at construction, so the store can be created in a Worker's global
   * scope), is `unref()`'d where timers can be, so it never keeps the process alive, and
   * `close()` clears it. `0` disables the sweep (expired records are still invisible and are
   * removed when read). Default 60 000.
   */
  readonly sweepIntervalMs?: number;
  /** The clock, in ms since the epoch; default `Date.now`. Inject one in tests. */
  readonly now?: () => number;
}

/** A memory store: the required methods plus every optional capability. */
export type MemoryStore = Store &
  Required<Pick<Store, 'listByUser' | 'deleteByUser' | 'purgeExpired' | 'count' | 'scan' | 'updateData'>>;

/** Where a rotated-away key went, and what it may still do (see {@link StoreRotation}). */
interface Forward {
  readonly successor: string;
  readonly userId: string | null;
  readonly readableUntil: number;
  readonly forwardWrites: boolean;
  readonly forwardUntil: number;
}

function validate(options: MemoryStoreOptions): { maxEntries: number; sweepIntervalMs: number } {
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new ConfigError(`memoryStore: maxEntries must be a positive integer, got ${maxEntries}.`);
  }
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  if (!Number.isFinite(sweepIntervalMs) || sweepIntervalMs < 0) {
    throw new ConfigError(
      `memoryStore: sweepIntervalMs must be a non-negative number of ms (0 disables the sweep), got ${sweepIntervalMs}.`,
    );
  }
  return { maxEntries, sweepIntervalMs };
}

/**
 * Creates an in-memory store: for development, tests and single-process apps only (sessions are
 * lost on restart and not shared between processes; core warns in production).
 *
 * Least-recently-used records are evicted beyond `maxEntries`; expiry is enforced on every read and
 * by a periodic sweep. Records are frozen, so a caller can never change the stored copy.
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) when `maxEntries` or `sweepIntervalMs` is invalid.
 * @example
 * const sessions = createSessions({ store: memoryStore({ maxEntries: 1000 }) });
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const { maxEntries, sweepIntervalMs } = validate(options);
  const now = options.now ?? Date.now;
  // Map iteration order is insertion order: re-inserting on use keeps the LRU record first.
  const records = new Map<string, StoreRecord>();
  const values = new ShortValues();
  const byUser = new Map<string, Set<string>>();
  // Rotated-away keys; few (one per rotation, kept for the forwarding window), outside the LRU map.
  const forwards = new Map<string, Forward>();

  const index = (key: string, userId: string | null) => {
    if (userId === null) return;
    const keys = byUser.get(userId);
    if (keys) keys.add(key);
    else byUser.set(userId, new Set([key]));
  };
  const unindex = (key: string, userId: string | null) => {
    if (userId === null) return;
    const keys = byUser.get(userId);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) byUser.delete(userId);
  };
  const remove = (key: string, record: StoreRecord) => {
    records.delete(key);
    unindex(key, record.userId);
  };
  /** The live record at `key`, dropping it when expired. */
  const live = (key: string): StoreRecord | undefined => {
    const record = records.get(key);
    if (!record) return undefined;
    if (record.expiresAt <= now()) {
      remove(key, record);
      return undefined;
    }
    return record;
  };
  /** The forwarding entry of a rotated-away key, dropping it when its window is over. */
  const forwardOf = (key: string): Forward | undefined => {
    const forward = forwards.get(key);
    if (forward === undefined || forward.forwardUntil > now()) return forward;
    forwards.delete(key);
    return undefined;
  };
  /** The key a write through `key` lands on: itself, or along the forwards that accept writes. */
  const writeTarget = (key: string): string | undefined => {
    for (let hop = key, seen = 0; seen < 64; seen++) {
      if (records.has(hop)) return hop;
      const forward = forwardOf(hop);
      if (forward === undefined || !forward.forwardWrites) return undefined;
      hop = forward.successor;
    }
    return undefined;
  };
  /**
   * Ends the session at `key` and what it was rotated to, stopping before `keep` (the session
   * "log out other devices" keeps, which an older ticket of it forwards to); true when a record
   * was removed.
   */
  const end = (key: string, keep?: string): boolean => {
    let removed = false;
    for (
      let hop: string | undefined = key, seen = 0;
      hop !== undefined && hop !== keep && seen < 64;
      seen++
    ) {
      const record = records.get(hop);
      if (record) {
        remove(hop, record);
        removed = true;
      }
      const forward = forwards.get(hop);
      forwards.delete(hop);
      hop = forward?.successor;
    }
    return removed;
  };
  /** Applies `limit` before a session for `userId` is added; `'limit'` when it refuses. */
  const admit = (userId: string | null, limit: UserLimit | undefined, replacing?: string) => {
    if (limit === undefined || userId === null) return true;
    const candidates = [];
    for (const key of byUser.get(userId) ?? []) {
      const record = key === replacing ? undefined : live(key);
      if (record) candidates.push({ key, lastSeenAt: record.lastSeenAt });
    }
    const plan = planUserLimit(candidates, limit);
    if (plan === 'limit') return 'limit';
    for (const victim of plan) end(victim);
    return true;
  };
  /**
   * What `get` answers: the record, expired ones included (core reports and deletes those); for a
   * rotated-away key in its grace window, the session it moved to.
   */
  const read = (key: string): StoreRecord | undefined => {
    for (let hop = key, seen = 0; seen < 64; seen++) {
      const record = records.get(hop);
      if (record !== undefined) {
        if (record.expiresAt > now()) put(hop, record);
        return record;
      }
      const forward = forwardOf(hop);
      if (forward === undefined || forward.readableUntil <= now()) return undefined;
      hop = forward.successor;
    }
    return undefined;
  };
  /** Stores `record` as the most recently used entry. */
  const put = (key: string, record: StoreRecord) => {
    records.delete(key);
    records.set(key, record);
  };
  let lastPurgeAt = Number.NEGATIVE_INFINITY;
  // Evicting a few least-recently-used records per pass, not one: a fresh Map iterator first skips
  // the slots that deletions (evictions, and every read's move to the back) left at the front until
  // V8 next rehashes the table, so one pass per create cost O(holes) each time (the figure is in
  // docs/BENCHMARKS.md, "What was found and fixed", item 5).
  const evictBatch = Math.max(1, Math.floor(maxEntries / 100));
  /** Frees at least one place: expired records first (scanned at most once a second), then the LRU ones. */
  const makeRoom = () => {
    if (now() - lastPurgeAt >= 1000) purgeExpired();
    let excess = records.size - maxEntries + 1;
    if (excess <= 0) return;
    excess = Math.max(excess, evictBatch);
    for (const [oldest, evicted] of records) {
      remove(oldest, evicted);
      if (--excess === 0) break;
    }
  };
  const purgeExpired = () => {
    const at = now();
    lastPurgeAt = at;
    let removed = 0;
    for (const [key, record] of records) {
      if (record.expiresAt <= at) {
        remove(key, record);
        removed++;
      }
    }
    for (const [key, forward] of forwards) if (forward.forwardUntil <= at) forwards.delete(key);
    return removed;
  };

  // The sweep starts with the first record, not here: Workers forbid timers in global scope,
  // where a store is usually created. Every record enters through `create` (a rotation moves one).
  let timer: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  const startSweep = () => {
    if (timer !== undefined || closed || sweepIntervalMs === 0) return;
    timer = setInterval(purgeExpired, sweepIntervalMs);
    unrefTimer(timer);
  };

  return {
    name: 'memory',
    reportsExpired: true,
    async get(key) {
      return read(key);
    },
    async create(key, record: NewStoreRecord, limit?: UserLimit) {
      if (live(key) || forwardOf(key)) return false;
      if (admit(record.userId, limit) === 'limit') return 'limit';
      if (records.size >= maxEntries) makeRoom();
      startSweep();
      put(key, freezeRecord({ ...record, rev: 1 }, record.data, values));
      index(key, record.userId);
      return true;
    },
    async update(key, patch: StorePatch) {
      const target = writeTarget(key);
      const current = target === undefined ? undefined : live(target);
      if (target === undefined || !current) return false;
      const userId = patch.userId === undefined ? current.userId : patch.userId;
      const next = {
        ...current,
        userId,
        lastSeenAt: patch.lastSeenAt,
        expiresAt: patch.expiresAt,
        rev: current.rev + 1,
      };
      put(target, freezeRecord(next, applyPatch(current.data, patch), values));
      if (userId !== current.userId) {
        unindex(target, current.userId);
        index(target, userId);
      }
      return true;
    },
    async updateData(key, patch: StoreDataPatch) {
      // The same step as `update` with the window and owner kept: live check and write in one call.
      const target = writeTarget(key);
      const current = target === undefined ? undefined : live(target);
      if (target === undefined || !current) return false;
      put(
        target,
        freezeRecord({ ...current, rev: current.rev + 1 }, applyPatch(current.data, patch), values),
      );
      return true;
    },
    async touch(key, window: StoreTouch) {
      const current = live(key);
      if (!current) return false;
      put(
        key,
        freezeRecord(
          { ...current, lastSeenAt: window.lastSeenAt, expiresAt: window.expiresAt },
          current.data,
          values,
        ),
      );
      return true;
    },
    async rotate(oldKey, newKey, rotation: StoreRotation) {
      if (forwardOf(oldKey)) return 'superseded';
      const current = live(oldKey);
      if (!current) return 'gone';
      if (admit(rotation.record.userId, rotation.limit, oldKey) === 'limit') return 'limit';
      remove(oldKey, current);
      forwards.set(oldKey, {
        successor: newKey,
        userId: current.userId,
        readableUntil: rotation.readableUntil,
        forwardWrites: rotation.forwardWrites,
        forwardUntil: rotation.forwardUntil,
      });
      if (records.size >= maxEntries) makeRoom();
      put(
        newKey,
        freezeRecord({ ...rotation.record, rev: 1 }, applyPatch(current.data, rotation.patch), values),
      );
      index(newKey, rotation.record.userId);
      return 'rotated';
    },
    async delete(key) {
      return end(key);
    },
    async close() {
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
    async listByUser(userId) {
      const entries: StoreEntry[] = [];
      for (const key of [...(byUser.get(userId) ?? [])]) {
        const record = live(key);
        if (record) entries.push({ key, record });
      }
      return entries;
    },
    async deleteByUser(userId, exceptKey) {
      let removed = 0;
      for (const key of [...(byUser.get(userId) ?? [])]) {
        if (key === exceptKey) continue;
        // An expired record is removed too, but only live sessions count as logged out.
        if (live(key)) removed++;
        end(key, exceptKey);
      }
      for (const [key, forward] of [...forwards]) {
        if (forward.userId === userId && key !== exceptKey && end(key, exceptKey)) removed++;
      }
      return removed;
    },
    async purgeExpired() {
      return purgeExpired();
    },
    async count() {
      return records.size;
    },
    async scan({ cursor, limit }) {
      // Key order, not Map order: a get moves its record to the end, which would skip or repeat it.
      const smallest = new SmallestKeys(cursor, scanLimit('memoryStore', limit));
      for (const key of records.keys()) smallest.add(key);
      const page = smallest.page();
      const entries: StoreEntry[] = [];
      for (const key of page.keys) {
        const record = records.get(key);
        if (record) entries.push({ key, record });
      }
      return { entries, cursor: page.cursor };
    },
  };
}
