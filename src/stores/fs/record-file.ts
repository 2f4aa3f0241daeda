/**
 * One session file: its JSON format, strict decoding, and atomic writes.
 *
 * A write goes to a temp file in the same directory (`<key>.json.<random>.tmp`, mode 0600), is
 * fsync'ed, then renamed (or hard-linked, for an exclusive create) over `<key>.json`. A reader
 * therefore sees the old file or the new one, never a partial one; a crashed writer leaves at most
 * a temp file, which readers ignore and purge removes.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { CorruptRecordError } from '../../core/errors.ts';
import type { EncodedData, StoreRecord } from '../../core/store.ts';

/** Format version written into every file. */
export const FILE_VERSION = 1;

/** Suffix of session files; temp files end in `.tmp` instead. */
export const RECORD_SUFFIX = '.json';

/** Suffix of temp files. */
export const TEMP_SUFFIX = '.tmp';

/** A decoded file: the record plus the key it was written for. */
export interface RecordFile {
  readonly key: string;
  readonly record: StoreRecord;
}

/** The file's text. The key is stored too, so a case-insensitive filesystem cannot mix up two keys. */
export function encodeRecord(key: string, record: StoreRecord): string {
  return JSON.stringify({
    v: FILE_VERSION,
    key,
    userId: record.userId,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
    absoluteExpiresAt: record.absoluteExpiresAt,
    rev: record.rev,
    data: record.data,
  });
}

/** Whether `value` is an instant or count as files hold them: a safe integer. */
export function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/**
 * The JSON object in a file's text (an empty object for `null`, so field checks fail cleanly).
 * @throws CorruptRecordError (`COATCHECK_CORRUPT_RECORD`) when the text is not JSON.
 */
export function parseObject(text: string, path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CorruptRecordError(`fsStore: ${path} is not valid JSON.`, error);
  }
  return (parsed ?? {}) as Record<string, unknown>;
}

/**
 * Parses and validates a file's text.
 * @throws CorruptRecordError (`COATCHECK_CORRUPT_RECORD`) when it is not a record of this format.
 */
export function decodeRecord(text: string, path: string): RecordFile {
  const file = parseObject(text, path);
  const data = file.data as Record<string, unknown> | null | undefined;
  const valid =
    file.v === FILE_VERSION &&
    typeof file.key === 'string' &&
    (file.userId === null || typeof file.userId === 'string') &&
    isTime(file.createdAt) &&
    isTime(file.lastSeenAt) &&
    isTime(file.expiresAt) &&
    isTime(file.absoluteExpiresAt) &&
    isTime(file.rev) &&
    typeof data === 'object' &&
    data !== null &&
    !Array.isArray(data) &&
    Object.values(data).every((value) => typeof value === 'string');
  if (!valid) {
    throw new CorruptRecordError(
      `fsStore: ${path} is not a session file of format ${FILE_VERSION} (written by a newer coatcheck, or damaged).`,
    );
  }
  return {
    key: file.key as string,
    record: {
      data: data as EncodedData,
      userId: file.userId as string | null,
      createdAt: file.createdAt as number,
      lastSeenAt: file.lastSeenAt as number,
      expiresAt: file.expiresAt as number,
      absoluteExpiresAt: file.absoluteExpiresAt as number,
      rev: file.rev as number,
    },
  };
}

/** Reads `path` and decodes it with `decode`; `undefined` when the file does not exist. */
export async function readDecoded<T>(
  path: string,
  decode: (text: string, path: string) => T,
): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
  return decode(text, path);
}

/** Reads and decodes the session file at `path`; `undefined` when it does not exist. */
export function readRecordFile(path: string): Promise<RecordFile | undefined> {
  return readDecoded(path, decodeRecord);
}

/** Codes of filesystems without hard links, where an exclusive create falls back to rename. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Writes `text` to `path` atomically. With `exclusive`, the file is hard-linked into place, which
 * fails if `path` exists (returns `false`, writing nothing); otherwise it is renamed over `path`.
 */
export async function writeAtomic(path: string, text: string, exclusive: boolean): Promise<boolean> {
  const temp = `${path}.${randomBytes(8).toString('hex')}${TEMP_SUFFIX}`;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (!exclusive) {
      await rename(temp, path);
      return true;
    }
    try {
      await link(temp, path);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'EEXIST') return false;
      if (typeof code !== 'string' || !NO_LINKS.has(code)) throw error;
      await rename(temp, path); // callers hold the key's lock, so this is still exclusive
      return true;
    }
    return true;
  } finally {
    await unlink(temp).catch(() => {}); // renamed away already, or a failed write's leftover
  }
}
