/**
 * `ref`/`unref` for timers that may be plain numbers. Node, Bun and Deno (for npm packages) return
 * Timeout objects whose `unref()` lets the process exit while the timer is pending; workerd, the
 * edge runtime and browsers return numbers, and there is no process to keep alive.
 */

type Refable = { ref?: () => unknown; unref?: () => unknown };

/** Lets `timer` not keep the process alive (a no-op for numeric timers). */
export function unrefTimer(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null) (timer as Refable).unref?.();
}

/** Makes `timer` keep the process alive again (a no-op for numeric timers). */
export function refTimer(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null) (timer as Refable).ref?.();
}
