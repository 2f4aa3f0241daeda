/**
 * Ending sessions in Deno KV: `delete` and `deleteByUser` end a key and the chain of keys it was
 * rotated to in one atomic operation checked against every head on the chain, so a rotation that
 * commits first is followed, and one that commits later finds its old key gone ('gone').
 * Also the purge, which removes expired heads one checked operation at a time.
 */
import { MAX_HOPS } from '../shared/contention.ts';
import { commit, dropSession, emptyPlan, type Head, type ReadHead } from './layout.ts';
import { readHead } from './reads.ts';
import { retrying, type WriteContext } from './writes.ts';

/** What ending one key removed: records (expired ones too) and, of those, live ones. */
export interface Ended {
  readonly removed: number;
  readonly live: number;
}

/** Ends `key` and what it was rotated to, stopping before `keep`; nothing when `key` holds nothing. */
export function endChain(context: WriteContext, key: string, keep?: string): Promise<Ended> {
  return retrying(context, 'delete', async () => {
    const chain: ReadHead[] = [];
    for (let hop: string | undefined = key; hop !== undefined && hop !== keep && chain.length < MAX_HOPS; ) {
      const read = await readHead(context, hop);
      if (read.head === undefined) break;
      chain.push(read);
      hop = read.head.kind === 'forward' ? read.head.successor : undefined;
    }
    if (chain.length === 0) return { removed: 0, live: 0 };
    const plan = emptyPlan();
    for (const read of chain) dropSession(plan, context.keys, read);
    if (!(await commit(context.kv, plan))) return undefined;
    const now = Date.now();
    const records = chain.flatMap((read) => (read.head?.kind === 'record' ? [read.head] : []));
    return { removed: records.length, live: records.filter((head) => head.expiresAt > now).length };
  });
}

/** Whether a head may go in a purge: an expired record, or a forwarder past its window. */
function purgeable(head: Head, now: number): boolean {
  return head.kind === 'record' ? head.expiresAt <= now : head.forwardUntil <= now;
}

/** Removes every purgeable head (and its chunks and index entry). Returns how many records went. */
export async function purgeHeads(context: WriteContext): Promise<number> {
  let removed = 0;
  const now = Date.now();
  for await (const entry of context.kv.list<Head>({ prefix: context.keys.heads() })) {
    const head = entry.value;
    if (head === null || !purgeable(head, now)) continue;
    const plan = emptyPlan();
    dropSession(plan, context.keys, {
      key: String(entry.key.at(-1)),
      head,
      versionstamp: entry.versionstamp,
    });
    // A failed check means the head was written meanwhile (a touch, a create): no longer purgeable.
    if ((await commit(context.kv, plan)) && head.kind === 'record') removed++;
  }
  return removed;
}
