/**
 * The rotations a caching tier knows of: its own, and (with pub/sub invalidation) those of the
 * other processes. The Store contract gives no way to ask where a key moved, yet the front must
 * never serve a rotated-away or ended session, so the tier remembers:
 * - a moved key is never cached: during its grace window the back store answers it with the
 *   successor's record, and a front entry under the old key would miss every later invalidation
 *   of the successor (a logout through the new ticket, say);
 * - ending or writing through a moved key ends or writes its successors too (the back store
 *   follows the chain), so their front entries are dropped with it.
 */

/** Rotations remembered at most; beyond, the oldest are forgotten and `cacheTtlMs` bounds staleness. */
const MAX_MOVES = 10_000;

/** Hops followed along a chain: as the stores bound theirs. */
const MAX_HOPS = 64;

/** One rotation as the tier remembers it (and publishes it): `[key, successor, until]`. */
export type Move = readonly [key: string, successor: string | null, until: number];

/** The moves a process knows of, each until its forwarding window ends. */
export class Moves {
  readonly #moves = new Map<string, { readonly successor: string | null; readonly until: number }>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Remembers `move`; a `null` successor means "moved, to a key this process does not know". */
  add([key, successor, until]: Move): void {
    const now = this.#now();
    if (until <= now) return;
    // Insertion order is roughly expiry order: forgetting from the front stays cheap.
    for (const [oldest, move] of this.#moves) {
      if (move.until > now && this.#moves.size < MAX_MOVES) break;
      this.#moves.delete(oldest);
    }
    this.#moves.delete(key);
    this.#moves.set(key, { successor: successor ?? this.#moves.get(key)?.successor ?? null, until });
  }

  /** Whether `key` was rotated away and the move is still remembered. */
  has(key: string): boolean {
    const move = this.#moves.get(key);
    if (move === undefined) return false;
    if (move.until > this.#now()) return true;
    this.#moves.delete(key);
    return false;
  }

  /** `key` and, as far as this process knows, every key it moved to, in order. */
  chain(key: string): string[] {
    const keys = [key];
    for (let hop = key; keys.length <= MAX_HOPS; ) {
      const successor = this.has(hop) ? this.#moves.get(hop)?.successor : undefined;
      if (successor == null || keys.includes(successor)) break;
      keys.push(successor);
      hop = successor;
    }
    return keys;
  }
}
