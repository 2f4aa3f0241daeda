/**
 * The user limit on Redis, standalone and Cluster alike: the decision is one script on the user's
 * index key (`ADMIT`), so parallel logins of one user are serialized by the index's own slot.
 *
 * The script cannot read the sessions (they live in other slots), so it counts members, and the
 * caller supplies what only the sessions know: which members are dead (final: a session key never
 * comes back to life, and members are added only after their hash exists, see `user-index.ts`),
 * which are forwarders (not live, but kept for `deleteByUser`), which are another user's (a move
 * in flight: counted, never evicted), and the eviction order (least recently seen first). A member the caller has not seen counts as live, so a stale view can only
 * make the limit stricter, never looser. The first try sends no view at all: under the limit, that
 * is the whole cost (one round trip).
 */
import type { UserLimit } from '../../core/store.ts';
import { backoff, RetryBudget } from '../shared/contention.ts';
import { inBatches } from '../shared/in-batches.ts';
import type { RedisContext } from './context.ts';
import { endSession } from './ending.ts';
import { ADMIT } from './index-scripts.ts';
import { type IndexMember, memberState, membersOf } from './user-index.ts';

/** What the caller knows of the user's members, for the script. */
interface View {
  readonly dead: string[];
  readonly forwarders: string[];
  /** Another user's sessions (a move to this user in flight): counted, never evicted. */
  readonly keep: string[];
  /** Live sessions of the user, least recently seen first. */
  readonly candidates: string[];
}

/** Classifies `members` by reading their sessions; finishes evictions a crashed caller left half done. */
async function viewOf(context: RedisContext, userId: string, members: IndexMember[]): Promise<View> {
  const now = Date.now();
  const states = await inBatches(members, 100, (member) =>
    memberState(context.driver, context.sessionKey(member.key), now),
  );
  const view: View = { dead: [], forwarders: [], keep: [], candidates: [] };
  const seen: { key: string; lastSeenAt: number }[] = [];
  const finishing: Promise<boolean>[] = [];
  members.forEach((member, i) => {
    const state = states[i] ?? { kind: 'dead' };
    if (state.kind === 'dead') view.dead.push(member.key);
    else if (state.kind === 'forward') view.forwarders.push(member.key);
    else if (state.owner !== userId) view.keep.push(member.key);
    else if (member.addedAt < 0) {
      // Chosen as a victim by an admission whose caller did not live to end it.
      finishing.push(endSession(context, member.key));
      view.dead.push(member.key);
    } else seen.push({ key: member.key, lastSeenAt: state.lastSeenAt });
  });
  await Promise.all(finishing);
  seen.sort((a, b) => a.lastSeenAt - b.lastSeenAt || (a.key < b.key ? -1 : 1));
  for (const entry of seen) view.candidates.push(entry.key);
  return view;
}

/**
 * Adds `key` (whose hash is already written) to `userId`'s index under `limit`, evicting as the
 * limit says: the victims are ended (as `delete` does) before this resolves. `replacing` is the
 * key a rotation moves away from: it does not count.
 * @returns `'admitted'`, or `'limit'` when `reject` refused it (nothing was indexed).
 * @throws ConflictError (`COATCHECK_CONFLICT`) when parallel admissions kept outrunning this one.
 */
export async function admit(
  context: RedisContext,
  userId: string,
  key: string,
  deadline: number,
  limit: UserLimit,
  replacing = '',
): Promise<'admitted' | 'limit'> {
  const indexKey = context.index.indexKey(userId);
  const budget = new RetryBudget();
  let view: View | undefined;
  while (budget.next()) {
    const now = Date.now();
    const args = [
      String(now),
      String(limit.max),
      limit.onLimit === 'reject' ? 'r' : 'e',
      key,
      String(Math.max(1, Math.ceil(deadline - now))),
      replacing,
      view === undefined ? '0' : '1',
      String(view?.dead.length ?? 0),
      ...(view?.dead ?? []),
      String(view?.forwarders.length ?? 0),
      ...(view?.forwarders ?? []),
      String(view?.keep.length ?? 0),
      ...(view?.keep ?? []),
      ...(view?.candidates ?? []),
    ];
    const reply = (await context.driver.script(ADMIT, indexKey, args)) as unknown[];
    const status = Number(reply[0]);
    if (status === 0) return 'limit';
    if (status === 1) {
      await Promise.all(reply.slice(1).map((victim) => endSession(context, String(victim))));
      return 'admitted';
    }
    // Checked and still undecided (nothing evictable but moves in flight): let those settle.
    if (view !== undefined) await backoff(budget.attempt);
    const members = membersOf(reply[1] as unknown[]).filter((m) => m.key !== key && m.key !== replacing);
    view = await viewOf(context, userId, members);
  }
  throw budget.exhausted('redisStore: admitting a session under the user limit');
}
