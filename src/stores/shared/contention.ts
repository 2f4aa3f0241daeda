/**
 * Waiting out a concurrent change, for stores that coordinate through the backend without locks
 * (memcached's CAS retries, Redis's rotation claims): one jittered backoff and one deadline, so
 * every retry loop gives up in time and none spins.
 */
import { ConflictError } from '../../core/errors.ts';

/**
 * How long (ms) one store call keeps waiting out concurrent changes before `ConflictError`:
 * under core's 2 s store deadline, so the caller sees a typed conflict rather than a timeout.
 */
export const CONTENTION_TIMEOUT_MS = 1500;

/** Most hops along a chain of rotated-away keys (the memory store's bound too). */
export const MAX_HOPS = 64;

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Sleeps a random 0 to min(`capMs`, 2^attempt) ms (full jitter), so contenders that collided once
 * spread out instead of colliding again in lockstep; at least `floorMs`.
 */
export function backoff(attempt: number, capMs = 20, floorMs = 0): Promise<void> {
  return sleep(floorMs + Math.random() * Math.min(capMs, 2 ** attempt));
}

/** A retry loop's budget: `attempt` counts the tries, `left()` says whether one more may start. */
export class RetryBudget {
  readonly #deadline: number;
  readonly #attempts: number;
  attempt = 0;

  constructor(timeoutMs = CONTENTION_TIMEOUT_MS, attempts = Number.POSITIVE_INFINITY) {
    this.#deadline = Date.now() + timeoutMs;
    this.#attempts = attempts;
  }

  /** Whether another try may start (the first always may); counts it. */
  next(): boolean {
    const allowed = this.attempt === 0 || (this.attempt < this.#attempts && Date.now() < this.#deadline);
    if (allowed) this.attempt++;
    return allowed;
  }

  /** ms until the deadline (0 when passed). */
  remaining(): number {
    return Math.max(0, this.#deadline - Date.now());
  }

  /** The error to throw when {@link next} said no: `ConflictError` naming `what`. */
  exhausted(what: string): ConflictError {
    return new ConflictError(`${what}: concurrent changes kept winning; try again`);
  }
}
