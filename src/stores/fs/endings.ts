/**
 * Ending sessions in the filesystem store: `delete` and `deleteByUser` follow a rotation to the
 * record it moved to, and a user limit evicts.
 */
import { unlink } from 'node:fs/promises';
import { CorruptRecordError } from '../../core/errors.ts';
import type { Forward } from './forward-file.ts';
import { type FsParts, isLive, isRemembered, MAX_HOPS } from './session-files.ts';

/** What ending one chain removed. */
export interface Ended {
  /** Whether any record was removed, live or expired (`delete`'s answer). */
  readonly removed: boolean;
  /** How many live records were removed (`deleteByUser` counts these). */
  readonly live: number;
}

/** Limits of {@link endChain}. */
export interface EndOptions {
  /**
   * Act only if the first key's record or remembered forwarder belongs to this user, and drop
   * the user's marker of that key otherwise (`deleteByUser`, whose markers may be stale).
   */
  readonly owner?: string | undefined;
  /** Stop on reaching this key, leaving it and the forwarders leading to it alone (`exceptKey`). */
  readonly except?: string | undefined;
}

/**
 * Ends the session at `key`: its record and, while the store remembers that `key` was rotated
 * away, the record it moved to, hop by hop along the chain.
 *
 * Each hop holds only its own key's lock, so no lock order between keys is needed. That is enough
 * because a hop's rotation either finished before the hop was read (it left a forwarder, which
 * is followed) or starts after it (and finds no record: `'gone'`). Forwarders are removed only
 * once the chain's end is reached, so a crash halfway leaves the rest still reachable from `key`.
 */
export async function endChain(
  { files, locks }: FsParts,
  operation: string,
  key: string,
  options: EndOptions = {},
): Promise<Ended> {
  const passed: Forward[] = [];
  let removed = false;
  let live = 0;
  let hop: string | undefined = key;
  for (let seen = 0; hop !== undefined && seen < MAX_HOPS; seen++) {
    if (hop === options.except) return { removed, live };
    const at: string = hop;
    const owner = seen === 0 ? options.owner : undefined;
    hop = await locks.run(operation, at, async () => {
      // A plain delete also ends a damaged session; deleteByUser cannot tell whose a damaged file is.
      const tolerant = owner === undefined && seen === 0;
      const record = await readOrDiscard(() => files.record(at), tolerant && files.recordPath(at));
      const found = await readOrDiscard(() => files.forward(at), tolerant && files.forwardPath(at));
      if (record === DISCARDED) removed = true;
      const forward = typeof found === 'object' && isRemembered(found) ? found : undefined;
      const owned = typeof record === 'object' && record.userId === owner;
      if (owner !== undefined && !owned && forward?.userId !== owner) {
        await files.users.remove(owner, at); // a stale marker: the session left this user
        return undefined;
      }
      if (typeof record === 'object') {
        // Both at one key only after a crash mid-rotation: end both, ending more is the safe side.
        await files.removeRecord(at, record, forward?.userId === record.userId);
        removed = true;
        if (isLive(record)) live += 1;
      }
      if (forward === undefined) return undefined;
      passed.push(forward);
      return forward.successor;
    });
  }
  for (const forward of passed.reverse()) {
    await locks.run(operation, forward.key, () => files.removeForward(forward));
  }
  return { removed, live };
}

/** What {@link readOrDiscard} answers for a damaged file it removed. */
const DISCARDED = Symbol('discarded');

/** `read()`; when `path` is given, a damaged file there is removed instead of failing the call. */
async function readOrDiscard<T>(read: () => Promise<T>, path: string | false): Promise<T | typeof DISCARDED> {
  try {
    return await read();
  } catch (error) {
    if (path === false || !(error instanceof CorruptRecordError)) throw error;
    await unlink(path).catch(ignoreMissing); // its user's marker, unreadable now, is left to the purge's sweep
    return DISCARDED;
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
}

/**
 * Ends `key` for a user limit, if it still holds a live record of `userId`. Called under the
 * user's lock, so the record cannot have moved to this user meanwhile; if it has left the user
 * (deleted, expired, rotated to another one), the user has one session fewer all the same.
 */
export async function evict({ files, locks }: FsParts, userId: string, key: string): Promise<void> {
  await locks.run('evict', key, async () => {
    const record = await files.record(key);
    if (record?.userId === userId && isLive(record)) await files.removeRecord(key, record);
  });
}
