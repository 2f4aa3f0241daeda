/**
 * The file a rotation leaves at the old key: `forwards/<key>.json`, naming the key the session
 * moved to and what the old key may still do (see `StoreRotation`). Written like session files
 * (temp file, fsync, rename), decoded as strictly, and kept in its own directory so that counting
 * and scanning sessions never has to open a file to tell a forwarder from a record.
 */
import { CorruptRecordError } from '../../core/errors.ts';
import { STORE_KEY_PATTERN } from '../shared/store-key.ts';
import { FILE_VERSION, isTime, parseObject, readDecoded } from './record-file.ts';

/** Where a rotated-away key went, and until when it reads and forwards. */
export interface Forward {
  /** The key written for, so a case-insensitive filesystem cannot mix up two keys. */
  readonly key: string;
  readonly successor: string;
  /** The owner of the record that was rotated away, so `deleteByUser` finds the forwarder. */
  readonly userId: string | null;
  readonly readableUntil: number;
  readonly forwardWrites: boolean;
  readonly forwardUntil: number;
}

/** The file's text. */
export function encodeForward(forward: Forward): string {
  return JSON.stringify({ v: FILE_VERSION, forward: true, ...forward });
}

/**
 * Parses and validates a forwarder's text. The successor must be a valid store key: it becomes a
 * path, so a damaged or planted file can never point outside the store's directory.
 * @throws CorruptRecordError (`COATCHECK_CORRUPT_RECORD`) when it is not a forwarder of this format.
 */
export function decodeForward(text: string, path: string): Forward {
  const file = parseObject(text, path);
  const valid =
    file.v === FILE_VERSION &&
    file.forward === true &&
    typeof file.key === 'string' &&
    typeof file.successor === 'string' &&
    STORE_KEY_PATTERN.test(file.successor) &&
    (file.userId === null || typeof file.userId === 'string') &&
    isTime(file.readableUntil) &&
    typeof file.forwardWrites === 'boolean' &&
    isTime(file.forwardUntil);
  if (!valid) {
    throw new CorruptRecordError(
      `fsStore: ${path} is not a forwarding file of format ${FILE_VERSION} (written by a newer coatcheck, or damaged).`,
    );
  }
  return {
    key: file.key as string,
    successor: file.successor as string,
    userId: file.userId as string | null,
    readableUntil: file.readableUntil as number,
    forwardWrites: file.forwardWrites as boolean,
    forwardUntil: file.forwardUntil as number,
  };
}

/** Reads and decodes the forwarder at `path`; `undefined` when it does not exist. */
export function readForwardFile(path: string): Promise<Forward | undefined> {
  return readDecoded(path, decodeForward);
}
