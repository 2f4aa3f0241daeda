/**
 * The filesystem store's purge: one streamed pass over the session directory (bounded memory,
 * whatever the number of files), one over the forwarders, then over the user index and the lock
 * directory.
 */
import { opendir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptRecordError } from '../../core/errors.ts';
import { STORE_KEY_PATTERN } from '../shared/store-key.ts';
import { readForwardFile } from './forward-file.ts';
import type { KeyLocks } from './key-lock.ts';
import { RECORD_SUFFIX, readRecordFile, TEMP_SUFFIX } from './record-file.ts';
import { isRemembered, type SessionFiles } from './session-files.ts';

/** What a purge works on. */
export interface PurgeTarget {
  readonly files: SessionFiles;
  readonly locks: string;
  readonly keyLocks: KeyLocks;
  /** Temp files older than this (ms) belong to a crashed writer. */
  readonly staleMs: number;
}

/** Files handled at once: enough to keep the disk busy, few enough to bound memory. */
const CONCURRENCY = 16;

function ignoreMissing(error: unknown): void {
  if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
}

/** Runs `task` for each item of `items` with at most {@link CONCURRENCY} in flight. */
async function forEachLimited<T>(items: AsyncIterable<T>, task: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    if (failure) break;
    const promise = task(item).then(
      () => {},
      (error: unknown) => {
        failure ??= { error };
      },
    );
    running.add(promise);
    void promise.finally(() => running.delete(promise));
    if (running.size >= CONCURRENCY) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}

/** `read(path)`, or `undefined` when the file is missing or damaged (a damaged file is left for a human). */
async function readQuietly<T>(read: (path: string) => Promise<T | undefined>, path: string) {
  return read(path).catch((error: unknown) => {
    if (error instanceof CorruptRecordError) return undefined;
    throw error;
  });
}

/** The key of a session file name, or `undefined` for any other file. */
export function keyOfFile(name: string): string | undefined {
  if (!name.endsWith(RECORD_SUFFIX)) return undefined;
  const key = name.slice(0, -RECORD_SUFFIX.length);
  return STORE_KEY_PATTERN.test(key) ? key : undefined;
}

/**
 * One streamed pass over `directory`: temp files of crashed writers go, and a file that `dead`
 * calls dead is re-read under its key's lock (a write may have revived it) before `remove` runs.
 */
async function purgePass<T>(
  target: PurgeTarget,
  directory: string,
  read: (path: string) => Promise<T | undefined>,
  dead: (file: T, now: number) => boolean,
  remove: (file: T, path: string) => Promise<void>,
): Promise<void> {
  const now = Date.now();
  await forEachLimited(await opendir(directory), async (entry) => {
    const path = join(directory, entry.name);
    if (entry.name.endsWith(TEMP_SUFFIX)) {
      const info = await stat(path).catch(() => undefined);
      if (info && now - info.mtimeMs > target.staleMs) await unlink(path).catch(ignoreMissing);
      return;
    }
    const key = keyOfFile(entry.name);
    if (key === undefined) return;
    const seen = await readQuietly(read, path);
    if (seen === undefined || !dead(seen, now)) return;
    await target.keyLocks.run('purgeExpired', key, async () => {
      const file = await readQuietly(read, path);
      if (file !== undefined && dead(file, Date.now())) await remove(file, path);
    });
  });
}

/**
 * Deletes expired session files (re-checked under the key's lock, so a session touched meanwhile
 * survives), forwarders past their forwarding window, temp files of crashed writers, stale user
 * markers and abandoned locks.
 * @returns how many session files were deleted (forwarders are not records and are not counted).
 */
export async function purgeDirectory(target: PurgeTarget): Promise<number> {
  const { files, keyLocks } = target;
  let removed = 0;
  await purgePass(
    target,
    files.sessions,
    readRecordFile,
    ({ record }, now) => record.expiresAt <= now,
    async (file, path) => {
      await unlink(path).catch(ignoreMissing);
      removed += 1;
      if (file.record.userId !== null) await files.users.remove(file.record.userId, file.key);
    },
  );
  await purgePass(
    target,
    files.forwards,
    readForwardFile,
    (forward, now) => !isRemembered(forward, now),
    async (forward) => {
      // The marker stays when a record of the same user holds the key again.
      const record = await readQuietly(readRecordFile, files.recordPath(forward.key));
      await files.removeForward(forward, record?.record.userId === forward.userId);
    },
  );
  await files.users.sweep(async (directory, key) => {
    if (!STORE_KEY_PATTERN.test(key)) return;
    const names = (userId: string | null) =>
      userId !== null && files.users.userDirectory(userId) === directory;
    const owns = async () => {
      const file = await readQuietly(readRecordFile, files.recordPath(key));
      if (names(file?.record.userId ?? null)) return true;
      const forward = await readQuietly(readForwardFile, files.forwardPath(key));
      return names(forward?.userId ?? null);
    };
    if (await owns()) return;
    await keyLocks.run('purgeExpired', key, async () => {
      if (!(await owns())) await unlink(join(directory, key)).catch(ignoreMissing);
    });
  });
  for await (const entry of await opendir(target.locks)) {
    const path = join(target.locks, entry.name);
    if (!entry.name.endsWith('.broken')) await keyLocks.breakIfAbandoned(path);
    else if (await keyLocks.isAbandoned(path)) await unlink(path).catch(ignoreMissing);
  }
  return removed;
}
