/**
 * Rotation in the filesystem store: the session moves to a new key, the old key forwards.
 */
import { ConflictError } from '../../core/errors.ts';
import type { RotateOutcome, StoreRotation } from '../../core/store.ts';
import { applyPatch } from '../shared/apply-patch.ts';
import { admit } from './admit.ts';
import { type FsParts, firstRevision, isLive, isRemembered } from './session-files.ts';

function collision(): ConflictError {
  // Keys are hashes of 256-bit random tokens: this means a bug or tampering, never bad luck.
  return new ConflictError(
    'fsStore: rotate was given a new key that already holds a session (or its old key); nothing was written.',
  );
}

/**
 * Moves the live session at `oldKey` to `newKey` as `Store.rotate` specifies.
 *
 * Locks: the new owner's (the limit and the user index), then both keys in sorted order: one fixed
 * order for every operation that takes several, so two rotations never wait for each other.
 * Under them, writes go in the order that keeps a crash harmless: the new owner's marker, the new
 * record, the forwarder, and last the removal of the old record. Until that removal (the
 * rotation's commit point for lock-free readers) the old key reads as before; a crash earlier
 * leaves the old session working plus an orphan record whose ticket no client ever received.
 * @throws ConflictError (`COATCHECK_CONFLICT`) when `newKey` is `oldKey` or already taken.
 */
export async function rotate(
  parts: FsParts,
  oldKey: string,
  newKey: string,
  rotation: StoreRotation,
): Promise<RotateOutcome> {
  if (oldKey === newKey) throw collision();
  const { files, locks } = parts;
  const owner = rotation.record.userId;
  const names = [...(owner === null ? [] : [files.users.lockName(owner)]), ...[oldKey, newKey].sort()];
  return locks.runAll('rotate', names, async () => {
    const old = await files.record(oldKey);
    if (old === undefined || !isLive(old)) {
      const forward = await files.forward(oldKey);
      return forward !== undefined && isRemembered(forward) ? 'superseded' : 'gone';
    }
    const existing = await files.readRecordFile(newKey);
    const forwarded = await files.forward(newKey);
    if ((existing !== undefined && isLive(existing.record)) || (forwarded && isRemembered(forwarded))) {
      throw collision();
    }
    if (rotation.limit !== undefined && owner !== null) {
      if ((await admit(parts, owner, rotation.limit, oldKey)) === 'limit') return 'limit';
    }
    const record = firstRevision(rotation.record, applyPatch(old.data, rotation.patch));
    if (!(await files.insert(newKey, record, existing))) throw collision();
    await files.writeForward({
      key: oldKey,
      successor: newKey,
      userId: old.userId,
      readableUntil: rotation.readableUntil,
      forwardWrites: rotation.forwardWrites,
      forwardUntil: rotation.forwardUntil,
    });
    // The forwarder keeps the old owner's marker: deleteByUser finds the move through it.
    await files.removeRecord(oldKey, old, true);
    return 'rotated';
  });
}
