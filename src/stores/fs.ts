/**
 * `coatcheck/stores/fs`: one JSON file per session in a directory you choose. No driver, no server;
 * durable across restarts, for single-machine apps that prefer plain files.
 *
 * Layout under `directory` (mode 0700, created if missing): `sessions/<key>.json` (mode 0600),
 * `users/<sha256(userId)>/<key>` (the per-user index), `locks/<key>.lock` (cross-process locks).
 * Every write is atomic (temp file, fsync, rename); every change to one key holds that key's lock,
 * a promise chain in this process and a lock file across processes.
 */
import { mkdir, opendir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, CorruptRecordError } from '../core/errors.ts';
import type {
  NewStoreRecord,
  Store,
  StoreEntry,
  StorePatch,
  StoreRecord,
  StoreTouch,
} from '../core/store.ts';
import { KeyLocks } from './fs/key-lock.ts';
import { keyOfFile, purgeDirectory } from './fs/purge.ts';
import {
  encodeRecord,
  RECORD_SUFFIX,
  type RecordFile,
  readRecordFile,
  writeAtomic,
} from './fs/record-file.ts';
import { UserIndex } from './fs/user-index.ts';
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

function ignoreMissing(error: unknown): void {
  if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
}

/** A copy of `data` with `patch` applied. Built from entries so a `__proto__` key stays a plain key. */
function patchData(data: StoreRecord['data'], patch: StorePatch): StoreRecord['data'] {
  const removed = new Set(patch.del);
  const kept = Object.entries(data).filter(([name]) => !removed.has(name) && !Object.hasOwn(patch.set, name));
  return Object.fromEntries([...kept, ...Object.entries(patch.set)]);
}

/**
 * Creates a filesystem session store.
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) for a missing directory or an invalid interval; per call,
 * for a key that is not a valid store key (which is what makes path traversal impossible).
 * Operations reject with StoreUnavailableError when a key's lock cannot be taken within
 * `lockTimeoutMs`, and with CorruptRecordError for a session file that is not valid.
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
  const sessions = join(root, 'sessions');
  const locksDirectory = join(root, 'locks');
  const users = new UserIndex(join(root, 'users'));
  const locks = new KeyLocks(locksDirectory, { staleMs, timeoutMs });

  let made: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    made ??= (async () => {
      await mkdir(root, { recursive: true, mode: 0o700 });
      for (const sub of [sessions, locksDirectory, join(root, 'users')])
        await mkdir(sub, { mode: 0o700 }).catch((error: unknown) => {
          if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
        });
    })().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
  const fileOf = (key: string) => join(sessions, `${key}${RECORD_SUFFIX}`);
  /** The live file written for exactly `key` (a case-insensitive filesystem may hand back another key's). */
  const live = (file: RecordFile | undefined, key: string): file is RecordFile =>
    file !== undefined && file.key === key && file.record.expiresAt > Date.now();
  /** Runs `body` under `key`'s lock, after validating the key and creating the directories. */
  const locked = async <T>(operation: string, k: string, body: (key: string, path: string) => Promise<T>) => {
    const key = checkStoreKey(name, k);
    await ready();
    return locks.run(operation, key, () => body(key, fileOf(key)));
  };
  /** Writes `record` over `previous` (same key), moving the user marker when the owner changes. */
  const rewrite = async (key: string, path: string, previous: StoreRecord, record: StoreRecord) => {
    if (record.userId !== null && record.userId !== previous.userId) await users.add(record.userId, key);
    await writeAtomic(path, encodeRecord(key, record), false);
    if (previous.userId !== null && previous.userId !== record.userId)
      await users.remove(previous.userId, key);
  };

  const purgeExpired = async (): Promise<number> => {
    await ready();
    return purgeDirectory({ sessions, locks: locksDirectory, users, keyLocks: locks, staleMs });
  };
  const timer = startPruneTimer(pruneEvery, purgeExpired, options.onPruneError);

  return {
    name: 'fs',
    async get(k) {
      const key = checkStoreKey(name, k);
      await ready();
      // No lock: files are replaced by rename, so a reader sees a whole old or a whole new file.
      const file = await readRecordFile(fileOf(key));
      return live(file, key) ? file.record : undefined;
    },
    create(k, input: NewStoreRecord) {
      return locked('create', k, async (key, path) => {
        const existing = await readRecordFile(path);
        // Another key's live file here means a case-insensitive filesystem folded two keys together.
        if (existing !== undefined && existing.record.expiresAt > Date.now()) return false;
        const record: StoreRecord = {
          data: input.data,
          userId: input.userId,
          createdAt: input.createdAt,
          lastSeenAt: input.lastSeenAt,
          expiresAt: input.expiresAt,
          absoluteExpiresAt: input.absoluteExpiresAt,
          rev: 1,
        };
        if (record.userId !== null) await users.add(record.userId, key);
        // No file: an exclusive create (hard link). A dead file must not block a create: replace it.
        if (!(await writeAtomic(path, encodeRecord(key, record), existing === undefined))) return false;
        const old = existing?.record.userId ?? null;
        if (old !== null && (old !== record.userId || existing?.key !== key))
          await users.remove(old, existing?.key ?? key);
        return true;
      });
    },
    update(k, patch: StorePatch) {
      return locked('update', k, async (key, path) => {
        const file = await readRecordFile(path);
        if (!live(file, key)) return false;
        const previous = file.record;
        await rewrite(key, path, previous, {
          ...previous,
          data: patchData(previous.data, patch),
          userId: patch.userId === undefined ? previous.userId : patch.userId,
          lastSeenAt: patch.lastSeenAt,
          expiresAt: patch.expiresAt,
          rev: previous.rev + 1,
        });
        return true;
      });
    },
    touch(k, window: StoreTouch) {
      return locked('touch', k, async (key, path) => {
        const file = await readRecordFile(path);
        if (!live(file, key)) return false;
        await rewrite(key, path, file.record, {
          ...file.record,
          lastSeenAt: window.lastSeenAt,
          expiresAt: window.expiresAt,
        });
        return true;
      });
    },
    delete(k) {
      return locked('delete', k, async (key, path) => {
        const file = await readRecordFile(path).catch(() => undefined); // a damaged file can still be deleted
        if (file !== undefined && file.key !== key) return; // another key's file (case-insensitive fs)
        await unlink(path).catch(ignoreMissing);
        if (file?.record.userId != null) await users.remove(file.record.userId, key);
      });
    },
    async close() {
      timer.stop();
    },
    async listByUser(userId) {
      await ready();
      const entries: StoreEntry[] = [];
      // Markers may be stale (a crash between writes): the session file is the truth.
      for (const key of await users.keys(userId)) {
        if (!STORE_KEY_PATTERN.test(key)) continue;
        const file = await readRecordFile(fileOf(key));
        if (live(file, key) && file.record.userId === userId) entries.push({ key, record: file.record });
      }
      return entries;
    },
    async deleteByUser(userId, exceptKey) {
      await ready();
      let removed = 0;
      for (const key of await users.keys(userId)) {
        if (key === exceptKey || !STORE_KEY_PATTERN.test(key)) continue;
        await locks.run('deleteByUser', key, async () => {
          const path = fileOf(key);
          const file = await readRecordFile(path);
          if (file?.key === key && file.record.userId === userId) {
            await unlink(path).catch(ignoreMissing);
            if (file.record.expiresAt > Date.now()) removed += 1; // only live sessions count as logged out
          }
          await users.remove(userId, key);
        });
      }
      return removed;
    },
    purgeExpired,
    async count() {
      await ready();
      let n = 0;
      for await (const entry of await opendir(sessions)) if (keyOfFile(entry.name) !== undefined) n += 1;
      return n;
    },
    async scan({ cursor, limit }) {
      const smallest = new SmallestKeys(cursor, scanLimit(name, limit));
      await ready();
      // One pass over the directory per page, keeping only the page's keys: memory stays bounded.
      for await (const entry of await opendir(sessions)) {
        const key = keyOfFile(entry.name);
        if (key !== undefined) smallest.add(key);
      }
      const page = smallest.page();
      const entries: StoreEntry[] = [];
      for (const key of page.keys) {
        // A damaged file is skipped (as purge leaves it for a human); a deleted one is simply gone.
        const file = await readRecordFile(fileOf(key)).catch((error: unknown) => {
          if (error instanceof CorruptRecordError) return undefined;
          throw error;
        });
        if (file?.key === key) entries.push({ key, record: file.record });
      }
      return { entries, cursor: page.cursor };
    },
  };
}
