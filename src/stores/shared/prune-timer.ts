/**
 * The background purge shared by the SQL stores: an `unref()`'d interval that never overlaps
 * itself and never lets a rejection escape.
 */
import { unrefTimer } from '../../core/timers.ts';

/** A running prune timer; `stop()` clears it. */
export interface PruneTimer {
  stop(): void;
}

/**
 * Calls `purge` every `intervalMs` (0 disables it). A run still in progress makes the next tick a
 * no-op, and errors go to `onError` (default: ignored, the next tick retries), so a store outage
 * never becomes an unhandled rejection. The timer is `unref()`'d: it never keeps a process alive.
 */
export function startPruneTimer(
  intervalMs: number,
  purge: () => Promise<unknown>,
  onError: ((error: unknown) => void) | undefined,
): PruneTimer {
  if (intervalMs === 0) return { stop() {} };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    purge()
      .catch((error: unknown) => onError?.(error))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  unrefTimer(timer);
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
