/**
 * What the DynamoDB store's internals share: the driver, the TTL attribute's name and the user index.
 */
import type { DynamoDriver } from './driver.ts';
import type { UserIndex } from './user-index.ts';

/** The store's driver, its TTL attribute and its user index. */
export interface DynamoContext {
  readonly driver: DynamoDriver;
  /** The attribute the table's TTL is enabled on (seconds since the epoch). */
  readonly ttlAttribute: string;
  readonly index: UserIndex;
  /** How long (ms) one call keeps retrying against concurrent changes before `ConflictError`. */
  readonly contentionMs: number;
  /** How long (ms) a rotation's claim holds: a third of {@link contentionMs} (500 by default). */
  readonly claimMs: number;
}

/**
 * Waits for a rotation claim that holds for `remainingMs` more: about the two round trips that
 * just took `roundTripMs` (jittered), at most 100 ms, never past the claim. Polling at the
 * backend's own pace keeps waiting writers from flooding a slow or serial backend with retries.
 */
export function waitForClaim(remainingMs: number, roundTripMs: number): Promise<void> {
  const pace = Math.min(100, Math.max(5, roundTripMs));
  const ms = Math.min(remainingMs + 1, (0.5 + Math.random()) * pace);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
