/**
 * The files of one key, and the user markers that go with them: `sessions/<key>.json` (the
 * record), `forwards/<key>.json` (what a rotation left behind) and `users/<hash>/<key>`.
 *
 * Nothing here locks: callers hold the key's lock. Every change keeps the index rule of
 * {@link UserIndex}: a marker is added before a file names its user and removed after no file
 * of that key names the user any more, so a crash leaves at most a stale marker.
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { EncodedData, NewStoreRecord, StoreRecord } from '../../core/store.ts';
import { encodeForward, type Forward, readForwardFile } from './forward-file.ts';
import type { KeyLocks } from './key-lock.ts';
import { encodeRecord, RECORD_SUFFIX, type RecordFile, readRecordFile, writeAtomic } from './record-file.ts';
import type { UserIndex } from './user-index.ts';

function ignoreMissing(error: unknown): void {
  if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
}

/** Whether `record` is live at `now`. */
export function isLive(record: StoreRecord, now = Date.now()): boolean {
  return record.expiresAt > now;
}

/** Whether the store still remembers the move `forward` records (its forwarding window is open). */
export function isRemembered(forward: Forward, now = Date.now()): boolean {
  return forward.forwardUntil > now;
}

/** Most hops followed along a chain of rotations: far more than any grace window makes, and a bound on a damaged chain. */
export const MAX_HOPS = 64;

/** What the store's operations work on: the files and the locks that guard them. */
export interface FsParts {
  readonly files: SessionFiles;
  readonly locks: KeyLocks;
}

/** A record of exactly the contract's fields (a caller may hand over an object with more), `rev` 1. */
export function firstRevision(fields: Omit<NewStoreRecord, 'data'>, data: EncodedData): StoreRecord {
  return {
    data,
    userId: fields.userId,
    createdAt: fields.createdAt,
    lastSeenAt: fields.lastSeenAt,
    expiresAt: fields.expiresAt,
    absoluteExpiresAt: fields.absoluteExpiresAt,
    rev: 1,
  };
}

/** Reads and writes the files of single keys. */
export class SessionFiles {
  /** The directory of session files. */
  readonly sessions: string;
  /** The directory of forwarding files. */
  readonly forwards: string;
  readonly users: UserIndex;

  constructor(root: string, users: UserIndex) {
    this.sessions = join(root, 'sessions');
    this.forwards = join(root, 'forwards');
    this.users = users;
  }

  recordPath(key: string): string {
    return join(this.sessions, `${key}${RECORD_SUFFIX}`);
  }

  forwardPath(key: string): string {
    return join(this.forwards, `${key}${RECORD_SUFFIX}`);
  }

  /** The session file at `key`'s path, whichever key it was written for (see {@link record}). */
  readRecordFile(key: string): Promise<RecordFile | undefined> {
    return readRecordFile(this.recordPath(key));
  }

  /** The record written for exactly `key` (a case-insensitive filesystem may hand back another key's). */
  async record(key: string): Promise<StoreRecord | undefined> {
    const file = await this.readRecordFile(key);
    return file?.key === key ? file.record : undefined;
  }

  /** The forwarder written for exactly `key`, remembered or not. */
  async forward(key: string): Promise<Forward | undefined> {
    const forward = await readForwardFile(this.forwardPath(key));
    return forward?.key === key ? forward : undefined;
  }

  /**
   * Writes `record` at `key`, where `existing` is the (dead, or another key's) file found there.
   * With no file, the write is exclusive (a hard link).
   * @returns `false`, writing nothing, when a file appeared at the path meanwhile.
   */
  async insert(key: string, record: StoreRecord, existing: RecordFile | undefined): Promise<boolean> {
    if (record.userId !== null) await this.users.add(record.userId, key);
    if (!(await writeAtomic(this.recordPath(key), encodeRecord(key, record), existing === undefined))) {
      return false;
    }
    const old = existing?.record.userId ?? null;
    if (existing !== undefined && old !== null && (old !== record.userId || existing.key !== key)) {
      await this.users.remove(old, existing.key);
    }
    return true;
  }

  /** Writes `record` over `previous` (same key), moving the user marker when the owner changes. */
  async rewrite(key: string, previous: StoreRecord, record: StoreRecord): Promise<void> {
    if (record.userId !== null && record.userId !== previous.userId) await this.users.add(record.userId, key);
    await writeAtomic(this.recordPath(key), encodeRecord(key, record), false);
    if (previous.userId !== null && previous.userId !== record.userId)
      await this.users.remove(previous.userId, key);
  }

  /**
   * Removes the record file at `key`. Its user's marker goes too, unless `keepMarker` (a
   * forwarder of the same user takes the key over).
   */
  async removeRecord(key: string, record: StoreRecord, keepMarker = false): Promise<void> {
    await unlink(this.recordPath(key)).catch(ignoreMissing);
    if (record.userId !== null && !keepMarker) await this.users.remove(record.userId, key);
  }

  /**
   * Writes the forwarder of a rotated-away key (replacing any earlier one). Its user's marker
   * must exist already: it is the one the rotated record had.
   */
  async writeForward(forward: Forward): Promise<void> {
    await writeAtomic(this.forwardPath(forward.key), encodeForward(forward), false);
  }

  /** Removes the forwarder at `forward.key`, and its user's marker unless `keepMarker`. */
  async removeForward(forward: Forward, keepMarker = false): Promise<void> {
    await unlink(this.forwardPath(forward.key)).catch(ignoreMissing);
    if (forward.userId !== null && !keepMarker) await this.users.remove(forward.userId, forward.key);
  }
}
