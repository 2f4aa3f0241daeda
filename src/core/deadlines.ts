/**
 * Deadlines for store calls in flight, kept by one timer per timeout length instead of one timer
 * per call. Hot path: arming and clearing a `setTimeout` for every store call was a measurable share
 * of a node:http request that reads its session from the memory store (docs/BENCHMARKS.md,
 * "What was found and fixed", item 6).
 *
 * All deadlines of one queue are `now + timeoutMs` with the same `timeoutMs`, so insertion order is
 * deadline order: the timer is armed for the oldest pending call and, when it fires, expires calls
 * from the front until it meets one still within its time. Each call costs a Set insert and delete
 * (and a ref/unref of the one timer when the queue fills or empties), and no object of its own.
 * The monotonic clock (the global `performance`) is used, so a wall-clock jump neither fires nor
 * delays a deadline. Timers may be numbers (workerd, the edge runtime): see timers.ts.
 */
import { refTimer, unrefTimer } from './timers.ts';

/**
 * Something with a deadline: the queue sets `due` when it is added and calls `expire()` once it
 * passes, unless it was removed first. The store call itself is the entry (store-call.ts), so a
 * deadline costs no object or closure of its own.
 */
export interface Expiring {
  due: number;
  expire(): void;
}

/** The deadlines of one timeout length. */
export class DeadlineQueue {
  readonly #timeoutMs: number;
  readonly #pending = new Set<Expiring>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** Calls `entry.expire()` once this queue's timeout has passed, unless it is removed first. */
  add(entry: Expiring): void {
    entry.due = performance.now() + this.#timeoutMs;
    this.#pending.add(entry);
    if (this.#timer === undefined) this.#arm(this.#timeoutMs);
    else if (this.#pending.size === 1) refTimer(this.#timer);
  }

  /** Cancels `entry`'s deadline (its call settled). */
  remove(entry: Expiring): void {
    // Like a per-call timer, a pending call keeps the process alive until its deadline; an idle
    // queue's timer (still armed for a call that settled) does not.
    if (this.#pending.delete(entry) && this.#pending.size === 0) unrefTimer(this.#timer);
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => this.#fire(), Math.max(1, Math.ceil(delayMs)));
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (const entry of this.#pending) {
      if (entry.due > now) {
        this.#arm(entry.due - now);
        return;
      }
      this.#pending.delete(entry);
      entry.expire();
    }
  }
}

const QUEUES = new Map<number, DeadlineQueue>();

/** The one queue of deadlines `timeoutMs` long. */
export function deadlineQueue(timeoutMs: number): DeadlineQueue {
  let queue = QUEUES.get(timeoutMs);
  if (queue === undefined) {
    queue = new DeadlineQueue(timeoutMs);
    QUEUES.set(timeoutMs, queue);
  }
  return queue;
}
