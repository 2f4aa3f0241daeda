/**
 * Ending sessions: `delete` and `deleteByUser`. Each key is ended by one script that deletes
 * whatever it holds and names its successor (a rotation's claim or a forwarder), which is ended
 * next. Rotation's last step re-checks the old key on its own slot, so "end the key, then its
 * successor" can race a rotation in any order and still leave nothing of the session live.
 */
import { MAX_HOPS } from '../shared/contention.ts';
import { inBatches } from '../shared/in-batches.ts';
import type { RedisContext } from './context.ts';
import { DELETE, DELETE_OWNED } from './scripts.ts';

/**
 * Ends the session at `key` and along the chain of keys it was rotated to, stopping before
 * `stopAt` (the session `deleteByUser` spares). Each owned key leaves its user's index after it is gone.
 * @returns whether a record (not only a forwarder) was removed.
 */
export async function endSession(context: RedisContext, key: string, stopAt?: string): Promise<boolean> {
  const { driver, index, sessionKey } = context;
  let removed = false;
  const unindexed: Promise<unknown>[] = [];
  let hop = key;
  for (let seen = 0; hop !== '' && hop !== stopAt && seen < MAX_HOPS; seen++) {
    const reply = (await driver.script(DELETE, sessionKey(hop), [])) as unknown[];
    if (Number(reply[0]) !== 1) break; // nothing here, so nothing to follow
    if (Number(reply[1]) === 1) removed = true;
    if (Number(reply[2]) === 1) unindexed.push(index.remove(String(reply[3]), hop));
    hop = String(reply[4] ?? '');
  }
  await Promise.all(unindexed);
  return removed;
}

/**
 * Ends every session of `userId` (its records and its forwarders, each with what it moved to),
 * sparing `exceptKey`. Members that turn out to be another user's are pruned once past the grace period.
 * @returns how many live sessions were ended (a session mid-rotation once).
 */
export async function endUserSessions(
  context: RedisContext,
  userId: string,
  exceptKey: string | undefined,
): Promise<number> {
  const { driver, index, sessionKey } = context;
  const members = (await index.members(userId)).filter((member) => member.key !== exceptKey);
  const now = String(Date.now());
  const outcomes = await inBatches(members, 100, async (member) => {
    const reply = (await driver.script(DELETE_OWNED, sessionKey(member.key), [userId, now])) as unknown[];
    if (Number(reply[0]) === -1) return undefined;
    const successor = String(reply[1] ?? '');
    const [chain] = await Promise.all([
      successor === '' ? false : endSession(context, successor, exceptKey),
      index.remove(userId, member.key),
    ]);
    // A record counts when it was live; a forwarder when the session it led to was.
    return { live: Number(reply[0]) === 1 || chain, successor };
  });
  const dangling = members.filter((_, i) => outcomes[i] === undefined).map((member) => member.key);
  await index.prune({ userId }, dangling);
  return sessionsEnded(
    members.map((member) => member.key),
    outcomes,
  );
}

/**
 * How many sessions the outcomes ended. Mid-rotation one session is two members (the claimed old
 * record and its new one, both live), linked by the successor the old one named: members whose
 * successor links lead to the same last key are one session, counted once.
 */
function sessionsEnded(
  keys: string[],
  outcomes: ({ live: boolean; successor: string } | undefined)[],
): number {
  const next = new Map(keys.map((key, i) => [key, outcomes[i]?.successor ?? '']));
  const last = (key: string) => {
    let hop = key;
    for (let seen = 0, to = next.get(hop); to && seen < MAX_HOPS; seen++, to = next.get(hop)) hop = to;
    return hop;
  };
  const ended = new Set<string>();
  outcomes.forEach((outcome, i) => {
    if (outcome?.live) ended.add(last(keys[i] ?? ''));
  });
  return ended.size;
}
