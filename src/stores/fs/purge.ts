/**
 * The filesystem store's purge: one streamed pass over the session directory (bounded memory,
 * whatever the number of files), then over the user index and the lock directory.
 */
import { opendir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptRecordError } from '../../core/errors.ts';
import { STORE_KEY_PATTERN } from '../shared/store-key.ts';
import type { KeyLocks } from './key-lock.ts';
import { RECORD_SUFFIX, type RecordFile, readRecordFile, TEMP_SUFFIX } from './record-file.ts';
import type { UserIndex } from './user-index.ts';

/** What a purge works on. */
export interface PurgeTarget {
  readonly sessions: string;
  readonly locks: string;
  readonly users: UserIndex;
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

/** The file, or `undefined` when it is missing or damaged (a damaged file is left for a human). */
async function readQuietly(path: string): Promise<RecordFile | undefined> {
  return readRecordFile(path).catch((error: unknown) => {
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
 * Deletes expired session files (re-checked under the key's lock, so a session touched meanwhile
 * survives), temp files of crashed writers, stale user markers and abandoned locks.
 * @returns how many session files were deleted.
 */
export async function purgeDirectory(target: PurgeTarget): Promise<number> {
  let removed = 0;
  const now = Date.now();
  await forEachLimited(await opendir(target.sessions), async (entry) => {
    const path = join(target.sessions, entry.name);
    if (entry.name.endsWith(TEMP_SUFFIX)) {
      const info = await stat(path).catch(() => undefined);
      if (info && now - info.mtimeMs > target.staleMs) await unlink(path).catch(ignoreMissing);
      return;
    }
    const key = keyOfFile(entry.name);
    if (key === undefined) return;
    const seen = await readQuietly(path);
    if (seen === undefined || seen.record.expiresAt > now) return;
    await target.keyLocks.run('purgeExpired', key, async () => {
      const file = await readQuietly(path);
      if (file === undefined || file.record.expiresAt > Date.now()) return;
      await unlink(path).catch(ignoreMissing);
      removed += 1;
      if (file.record.userId !== null) await target.users.remove(file.record.userId, file.key);
    });
  });
  await target.users.sweep(async (directory, key) => {
    if (!STORE_KEY_PATTERN.test(key)) return;
    const path = join(target.sessions, `${key}${RECORD_SUFFIX}`);
    const owns = (file: RecordFile | undefined) =>
      file !== undefined &&
      file.record.userId !== null &&
      target.users.userDirectory(file.record.userId) === directory;
    if (owns(await readQuietly(path))) return;
    await target.keyLocks.run('purgeExpired', key, async () => {
      if (!owns(await readQuietly(path))) await unlink(join(directory, key)).catch(ignoreMissing);
    });
  });
  for await (const entry of await opendir(target.locks)) {
    const path = join(target.locks, entry.name);
    if (!entry.name.endsWith('.broken')) await target.keyLocks.breakIfAbandoned(path);
    else if (await target.keyLocks.isAbandoned(path)) await unlink(path).catch(ignoreMissing);
  }
  return removed;
}
