/**
 * `coatcheck/stores/fs`: one JSON file per session in a directory you choose. No driver, no server;
 * durable across restarts, for single-machine apps that prefer plain files.
 *
 * Layout under `directory` (mode 0700, created if missing): `sessions/<key>.json` (mode 0600),
 * `forwards/<key>.json` (where a rotated-away key went), `users/<sha256(userId)>/<key>` (the
 * per-user index), `locks/<name>.lock` (cross-process locks). Every write is atomic (temp file,
 * fsync, rename); every change to one key holds that key's lock, a promise chain in this process
 * and a lock file across processes, so several processes may share one directory. Adding a
 * session to a user also holds the user's lock (limits are atomic), and a rotation holds both keys'.
 */
import { mkdir, opendir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, CorruptRecordError } from '../core/errors.ts';
import type {
  NewStoreRecord,
  Store,
  StoreEntry,
  StorePatch,
  StoreRecord,
  StoreRotation,
  StoreTouch,
  UserLimit,
} from '../core/store.ts';
import { admit } from './fs/admit.ts';
import { endChain } from './fs/endings.ts';
import { KeyLocks } from './fs/key-lock.ts';
import { keyOfFile, purgeDirectory } from './fs/purge.ts';
import { rotate } from './fs/rotate.ts';
import {
  type FsParts,
  firstRevision,
  isLive,
  isRemembered,
  MAX_HOPS,
  SessionFiles,
} from './fs/session-files.ts';
import { UserIndex } from './fs/user-index.ts';
import { applyPatch } from './shared/apply-patch.ts';
import { startPruneTimer } from './shared/prune-timer.ts';
import { SmallestKeys, scanLimit } from './shared/scan-page.ts';
import { checkStoreKey, STORE_KEY_PATTERN } from './shared/store-key.ts';
import { intervalMs, positiveInteger } from './shared/store-options.ts';

/** Options of {@link fsStore}. */
export interface FsStoreOptions {
  /** The directory holding the sessions; created (mode 0700) if missing. Required: there is no default. */
  readonly directory: string;
  /** How often (ms) expired files are purged in the background; `0` disables it. Default 300 000. */
  readonly pruneIntervalMs?: number;
  /**
   * A key lock older than this (ms) is presumed left by a crashed process on another machine and
   * removed (a lock of a dead process on this machine is removed at once). Default 10 000.
   */
  readonly lockStaleMs?: number;
  /** How long (ms) an operation waits for a key's lock before failing. Default 5 000. */
  readonly lockTimeoutMs?: number;
  /** Receives errors of the background purge (which retries on its next tick). Default: ignored. */
  readonly onPruneError?: (error: unknown) => void;
}

/** A filesystem store: every capability. */
export type FsStore = Store &
  Required<Pick<Store, 'listByUser' | 'deleteByUser' | 'purgeExpired' | 'count' | 'scan'>>;

/** The lock of `userId` when it is a user (adding a session to a user holds it), else none. */
function ownerLock(users: UserIndex, userId: string | null | undefined): string[] {
  return typeof userId === 'string' ? [users.lockName(userId)] : [];
}

/**
 * Creates a filesystem session store. Expired files stay until purged, and `get` reports them
 * (`reportsExpired`), so core can tell an expiry from a missing session.
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) for a missing directory or an invalid interval; per call,
 * for a key that is not a valid store key (which is what makes path traversal impossible).
 * Operations reject with StoreUnavailableError when a lock cannot be taken within `lockTimeoutMs`,
 * with CorruptRecordError for a session file that is not valid, and `rotate` with ConflictError
 * when its new key is taken.
 * @example
 * const sessions = createSessions({ store: fsStore({ directory: '/var/lib/myapp/sessions' }) });
 */
export function fsStore(options: FsStoreOptions): FsStore {
  const name = 'fsStore';
  if (typeof options?.directory !== 'string' || options.directory.trim() === '') {
    throw new ConfigError(
      `${name}: directory is required, e.g. fsStore({ directory: '/var/lib/app/sessions' }).`,
    );
  }
  if (options.directory.includes('\0'))
    throw new ConfigError(`${name}: directory must not contain a NUL byte.`);
  const pruneEvery = intervalMs(name, 'pruneIntervalMs', options.pruneIntervalMs ?? 300_000);
  const staleMs = positiveInteger(name, 'lockStaleMs', options.lockStaleMs ?? 10_000);
  const timeoutMs = positiveInteger(name, 'lockTimeoutMs', options.lockTimeoutMs ?? 5_000);
  const root = resolve(options.directory);
  const locksDirectory = join(root, 'locks');
  const users = new UserIndex(join(root, 'users'));
  const files = new SessionFiles(root, users);
  const locks = new KeyLocks(locksDirectory, { staleMs, timeoutMs });
  const parts: FsParts = { files, locks };

  let made: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    made ??= (async () => {
      await mkdir(root, { recursive: true, mode: 0o700 });
      for (const sub of [files.sessions, files.forwards, locksDirectory, join(root, 'users')])
        await mkdir(sub, { mode: 0o700 }).catch((error: unknown) => {
          if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
        });
    })().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
  /** Validates the key and creates the directories: what every per-key operation does first. */
  const prepare = async (k: string): Promise<string> => {
    const key = checkStoreKey(name, k);
    await ready();
    return key;
  };

  /**
   * Removes a dead record a write found (we hold its lock), as the memory store does: it can never
   * be written again, and the file and its marker need not wait for the purge. Answers `false`.
   */
  const dropDead = async (key: string, record: StoreRecord): Promise<false> => {
    await files.removeRecord(key, record);
    return false;
  };

  const purgeExpired = async (): Promise<number> => {
    await ready();
    return purgeDirectory({ files, locks: locksDirectory, keyLocks: locks, staleMs });
  };
  const timer = startPruneTimer(pruneEvery, purgeExpired, options.onPruneError);

  return {
    name: 'fs',
    reportsExpired: true,
    async get(k) {
      // No lock: files are replaced by rename, so a reader sees a whole old or a whole new file, and
      // a rotation writes the forwarder before it removes the old record, so one of them is found.
      let hop = await prepare(k);
      for (let seen = 0; seen < MAX_HOPS; seen++) {
        const record = await files.record(hop);
        if (record !== undefined) return record;
        const forward = await files.forward(hop);
        const now = Date.now();
        if (forward === undefined || forward.readableUntil <= now || !isRemembered(forward, now)) break;
        hop = forward.successor;
      }
      return undefined;
    },
    async create(k, input: NewStoreRecord, limit?: UserLimit) {
      const key = await prepare(k);
      return locks.runAll('create', [...ownerLock(users, input.userId), key], async () => {
        const existing = await files.readRecordFile(key);
        // Another key's live file here means a case-insensitive filesystem folded two keys together.
        if (existing !== undefined && isLive(existing.record)) return false;
        const forward = await files.forward(key);
        if (forward !== undefined && isRemembered(forward)) return false; // a rotated-away key is taken
        if (limit !== undefined && input.userId !== null) {
          if ((await admit(parts, input.userId, limit)) === 'limit') return 'limit';
        }
        // A dead file must not block a create: it is replaced (exclusively when there is none).
        if (!(await files.insert(key, firstRevision(input, input.data), existing))) return false;
        if (forward !== undefined) await files.removeForward(forward, forward.userId === input.userId);
        return true;
      });
    },
    async update(k, patch: StorePatch) {
      let hop = await prepare(k);
      // Hop by hop, each under its own key's lock (see endChain for why that is enough).
      return locks.runAll('update', ownerLock(users, patch.userId), async () => {
        for (let seen = 0; seen < MAX_HOPS; seen++) {
          const at = hop;
          const next = await locks.run('update', at, async () => {
            const previous = await files.record(at);
            if (previous !== undefined) {
              if (!isLive(previous)) return dropDead(at, previous);
              await files.rewrite(at, previous, {
                ...previous,
                data: applyPatch(previous.data, patch),
                userId: patch.userId === undefined ? previous.userId : patch.userId,
                lastSeenAt: patch.lastSeenAt,
                expiresAt: patch.expiresAt,
                rev: previous.rev + 1,
              });
              return true;
            }
            const forward = await files.forward(at);
            if (forward === undefined || !forward.forwardWrites || !isRemembered(forward)) return false;
            return forward.successor;
          });
          if (typeof next === 'boolean') return next;
          hop = next;
        }
        return false;
      });
    },
    async touch(k, window: StoreTouch) {
      const key = await prepare(k);
      return locks.run('touch', key, async () => {
        const previous = await files.record(key);
        if (previous === undefined) return false; // a forwarder is not live
        if (!isLive(previous)) return dropDead(key, previous);
        await files.rewrite(key, previous, {
          ...previous,
          lastSeenAt: window.lastSeenAt,
          expiresAt: window.expiresAt,
        });
        return true;
      });
    },
    async rotate(oldKey, newKey, rotation: StoreRotation) {
      const [from, to] = [checkStoreKey(name, oldKey), checkStoreKey(name, newKey)];
      await ready();
      return rotate(parts, from, to, rotation);
    },
    async delete(k) {
      const key = await prepare(k);
      return (await endChain(parts, 'delete', key)).removed;
    },
    async close() {
      timer.stop();
    },
    async listByUser(userId) {
      await ready();
      const entries: StoreEntry[] = [];
      // Markers may be stale (a crash between writes) or a forwarder's: the session file is the truth.
      for (const key of await users.keys(userId)) {
        if (!STORE_KEY_PATTERN.test(key)) continue;
        const record = await files.record(key);
        if (record !== undefined && isLive(record) && record.userId === userId) entries.push({ key, record });
      }
      return entries;
    },
    async deleteByUser(userId, exceptKey) {
      await ready();
      // The user's lock: no session is added to the user while its markers are gone through.
      return locks.run('deleteByUser', users.lockName(userId), async () => {
        let removed = 0;
        for (const key of await users.keys(userId)) {
          if (key === exceptKey || !STORE_KEY_PATTERN.test(key)) continue;
          const ended = await endChain(parts, 'deleteByUser', key, { owner: userId, except: exceptKey });
          removed += ended.live; // only live sessions count as logged out
        }
        return removed;
      });
    },
    purgeExpired,
    async count() {
      await ready();
      let n = 0;
      for await (const entry of await opendir(files.sessions))
        if (keyOfFile(entry.name) !== undefined) n += 1;
      return n;
    },
    async scan({ cursor, limit }) {
      const smallest = new SmallestKeys(cursor, scanLimit(name, limit));
      await ready();
      // One pass over the directory per page, keeping only the page's keys: memory stays bounded.
      for await (const entry of await opendir(files.sessions)) {
        const key = keyOfFile(entry.name);
        if (key !== undefined) smallest.add(key);
      }
      const page = smallest.page();
      const entries: StoreEntry[] = [];
      for (const key of page.keys) {
        // A damaged file is skipped (as purge leaves it for a human); a deleted one is simply gone.
        const record = await files.record(key).catch((error: unknown) => {
          if (error instanceof CorruptRecordError) return undefined;
          throw error;
        });
        if (record !== undefined) entries.push({ key, record });
      }
      return { entries, cursor: page.cursor };
    },
  };
}
