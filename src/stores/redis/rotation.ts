/**
 * `rotate` on Redis, standalone and Cluster alike. The old key, the new key and the user's index
 * live in three different slots, so no one script can hold them all; instead the old key is
 * *claimed* first, and every other operation on it respects the claim:
 *
 * (a) `CLAIM` on the old key: a live, unclaimed record gets `m:n` = newKey and a deadline
 *     ({@link CLAIM_MS}, server clock); its data comes back. From now on an `update` of the old
 *     key waits (the snapshot is taken; a write now would be lost), another rotation waits, and a
 *     `delete` ends the old key *and* the claimed new key.
 * (b) `CREATE` on the new key: the rotation's record, with the snapshot's data and the patch.
 * (L) the user index: the new key is admitted under the limit (or simply added), after (b), as
 *     every new member is. Refused: (b) is undone and the claim released: 'limit'.
 * (c) `FORWARD` on the old key: only if the claim is still ours does the old record become the
 *     forwarder, in the same script that checks. If a delete came first, the new record is
 *     removed and the answer is 'gone', so a logout racing a rotation leaves nothing live in any
 *     order; if a write broke a lapsed claim, the new record is removed and the rotation restarts.
 *
 * A rotator that dies after (a) leaves its claim to lapse: the old session stays usable, and the
 * new key was never handed out. Cost: 3 round trips, 4 with a user (more only under contention).
 */
import { ConflictError } from '../../core/errors.ts';
import type { RotateOutcome, StoreRotation } from '../../core/store.ts';
import { applyPatch } from '../shared/apply-patch.ts';
import { backoff, RetryBudget } from '../shared/contention.ts';
import { admit } from './admission.ts';
import type { RedisContext } from './context.ts';
import { recordFields, recordFromHash } from './record-hash.ts';
import { CLAIM, FORWARD, RELEASE } from './rotation-scripts.ts';
import { CREATE } from './scripts.ts';

/**
 * How long (ms) a claim holds. A rotation takes a few round trips; this only bounds how long a
 * write or another rotation waits for a rotator that died, well under core's 2 s store deadline.
 */
export const CLAIM_MS = 500;

/** Rotates `oldKey` to `newKey` (see the module comment). */
export async function rotateSession(
  context: RedisContext,
  oldKey: string,
  newKey: string,
  rotation: StoreRotation,
): Promise<RotateOutcome> {
  const { driver, sessionKey } = context;
  const oldName = sessionKey(oldKey);
  const budget = new RetryBudget();
  while (budget.next()) {
    const claim = (await driver.script(CLAIM, oldName, [String(Date.now()), newKey, String(CLAIM_MS)])) as [
      string,
      unknown,
    ];
    const status = String(claim[0]);
    if (status === 'gone' || status === 'superseded') return status;
    if (status === 'wait') {
      await backoff(budget.attempt, Math.min(20, Number(claim[1])), 1);
      continue;
    }
    const data = recordFromHash(claim[1])?.data ?? {};
    try {
      const outcome = await moveClaimed(context, oldKey, newKey, rotation, data);
      if (outcome !== 'retry') return outcome;
    } catch (error) {
      // Do not leave writers waiting for a rotation that failed; a no-op once (c) applied.
      await driver.script(RELEASE, oldName, [newKey]).catch(() => undefined);
      throw error;
    }
  }
  throw budget.exhausted('redisStore: rotate');
}

/** Steps (b), (L) and (c) for a claimed old key whose data is `data`. */
async function moveClaimed(
  context: RedisContext,
  oldKey: string,
  newKey: string,
  rotation: StoreRotation,
  data: Readonly<Record<string, string>>,
): Promise<RotateOutcome | 'retry'> {
  const { driver, index, sessionKey } = context;
  const [oldName, newName] = [sessionKey(oldKey), sessionKey(newKey)];
  const record = { ...rotation.record, data: applyPatch(data, rotation.patch) };
  const now = Date.now();
  const created = await driver.script(CREATE, newName, [
    String(now),
    String(record.expiresAt),
    ...recordFields(record),
  ]);
  if (Number(created) !== 1) throw new ConflictError('redisStore: the key to rotate to is already taken');
  const { userId } = record;
  const indexed = userId !== null && record.expiresAt > now;
  if (indexed) {
    const deadline = Math.max(record.expiresAt, record.absoluteExpiresAt);
    if (rotation.limit === undefined) await index.add(userId, newKey, deadline);
    else if ((await admit(context, userId, newKey, deadline, rotation.limit, oldKey)) === 'limit') {
      await Promise.all([
        driver.command(newName, ['DEL', newName]),
        driver.script(RELEASE, oldName, [newKey]),
      ]);
      return 'limit';
    }
  }
  const forwarded = String(
    await driver.script(FORWARD, oldName, [
      newKey,
      String(rotation.readableUntil),
      rotation.forwardWrites ? '1' : '0',
      String(rotation.forwardUntil),
      String(Date.now()),
    ]),
  );
  if (forwarded === 'rotated') return 'rotated';
  // The claim is no longer ours: the new record must not outlive this failed attempt.
  await Promise.all([
    driver.command(newName, ['DEL', newName]),
    indexed ? index.remove(userId, newKey) : undefined,
  ]);
  return forwarded === 'gone' || forwarded === 'superseded' ? forwarded : 'retry';
}
