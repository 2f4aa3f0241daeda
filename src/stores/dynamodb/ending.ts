/**
 * Ending sessions: `delete` and `deleteByUser`. Each key is ended by one DeleteItem that returns
 * what it held; a rotation's claim (`cn`) or a forwarder (`fs`) names the key the session moved
 * to, which is ended next. A rotation's last step is conditional on its claim still being on the
 * old item, so "end the key, then its successor" can race a rotation in any order and still leave
 * nothing of the session live (see `rotation.ts`).
 */
import { MAX_HOPS } from '../shared/contention.ts';
import { inBatches } from '../shared/in-batches.ts';
import type { DynamoContext } from './context.ts';
import { Expression } from './driver.ts';
import { A, isRecord, numberOf, ownerOf, sessionPk, successorOf } from './items.ts';
import { prunable } from './user-index.ts';

/** Parallel DeleteItems of one `deleteByUser`. */
const WIDTH = 25;

/** Collects index removals per user, to send one UpdateItem per user. */
class Unindexer {
  readonly #byUser = new Map<string, string[]>();

  add(userId: string | undefined, key: string): void {
    if (userId === undefined) return;
    const keys = this.#byUser.get(userId);
    if (keys) keys.push(key);
    else this.#byUser.set(userId, [key]);
  }

  async flush(context: DynamoContext): Promise<void> {
    await Promise.all([...this.#byUser].map(([userId, keys]) => context.index.remove(userId, keys)));
  }
}

/**
 * Ends the session at `key` and along the keys it was rotated to, stopping before `stopAt` (the
 * session `deleteByUser` spares). Each owned key leaves its user's index after it is gone.
 * @returns whether a record (not only a forwarder) was removed.
 */
export async function endSession(context: DynamoContext, key: string, stopAt?: string): Promise<boolean> {
  const unindexer = new Unindexer();
  const removed = await endChain(context, key, stopAt, unindexer);
  await unindexer.flush(context);
  return removed;
}

async function endChain(
  context: DynamoContext,
  key: string,
  stopAt: string | undefined,
  unindexer: Unindexer,
): Promise<boolean> {
  let removed = false;
  let hop: string | undefined = key;
  for (let seen = 0; hop !== undefined && hop !== stopAt && seen < MAX_HOPS; seen++) {
    const old = await context.driver.delete(sessionPk(hop));
    if (!old) break; // nothing here, so nothing to follow
    if (isRecord(old)) removed = true;
    unindexer.add(ownerOf(old), hop);
    hop = successorOf(old);
  }
  return removed;
}

/**
 * Ends every session of `userId` (its records and its forwarders, each with what it moved to),
 * sparing `exceptKey`. Each member is deleted only if it still belongs to `userId` (a condition on
 * the item), so a session that moved to another user meanwhile is left alone.
 * @returns how many live sessions were ended.
 */
export async function endUserSessions(
  context: DynamoContext,
  userId: string,
  exceptKey: string | undefined,
): Promise<number> {
  const { driver, index } = context;
  const members = (await index.members(userId)).filter((member) => member.key !== exceptKey);
  const unindexer = new Unindexer();
  const now = Date.now();
  const outcomes = await inBatches(members, WIDTH, async (member) => {
    const e = new Expression();
    const u = e.string(userId);
    const old = await driver.delete(
      sessionPk(member.key),
      e,
      `${e.name(A.user)} = ${u} OR ${e.name(A.forwardOwner)} = ${u}`,
    );
    if (!old) return 'other' as const; // missing, or another user's now
    unindexer.add(userId, member.key);
    const successor = successorOf(old);
    const chain = successor === undefined ? false : await endChain(context, successor, exceptKey, unindexer);
    // A record counts when it was live; a forwarder when the session it led to was.
    return (isRecord(old) && (numberOf(old, A.expires) ?? 0) > now) || chain
      ? ('ended' as const)
      : ('dead' as const);
  });
  await unindexer.flush(context);
  const others = members.filter((_, i) => outcomes[i] === 'other');
  if (others.length > 0) {
    const states = await index.states(others.map((member) => member.key));
    const dangling = others.filter((member) =>
      prunable(member, states.get(member.key) ?? { kind: 'dead' }, userId, Date.now()),
    );
    if (dangling.length > 0)
      await index.remove(
        userId,
        dangling.map((member) => member.key),
      );
  }
  return outcomes.filter((outcome) => outcome === 'ended').length;
}

/**
 * Deletes the record at `key` if it is dead (conditional on `expiresAt <= now`), as the memory
 * store does when a write finds one: it can never be written again, so it need not wait for TTL.
 */
export async function dropDead(context: DynamoContext, key: string): Promise<void> {
  const e = new Expression();
  const old = await context.driver.delete(
    sessionPk(key),
    e,
    `${e.name(A.expires)} <= ${e.number(Date.now())}`,
  );
  const owner = old ? ownerOf(old) : undefined;
  if (owner !== undefined) await context.index.remove(owner, [key]);
}
