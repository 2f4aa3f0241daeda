/**
 * Every store call goes through here: a deadline, and one error type for every system failure,
 * so adapters can answer 503 and no request ever hangs on a dead store.
 */
import { CoatcheckError, StoreUnavailableError } from './errors.ts';

/**
 * Runs `operation` and settles within `timeoutMs`. A rejection (or the deadline) becomes a
 * StoreUnavailableError; CoatcheckErrors a store throws on purpose pass through unchanged.
 */
export function callStore<T>(
  storeName: string,
  operation: string,
  timeoutMs: number,
  run: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new StoreUnavailableError(
          operation,
          `Store "${storeName}" did not answer \`${operation}\` within ${timeoutMs} ms.`,
        ),
      );
    }, timeoutMs);
  });
  let attempt: Promise<T>;
  try {
    attempt = run();
  } catch (error) {
    attempt = Promise.reject(error);
  }
  return Promise.race([attempt, deadline]).then(
    (value) => {
      clearTimeout(timer);
      return value;
    },
    (error: unknown) => {
      clearTimeout(timer);
      // Keep the late settlement of a timed-out call from surfacing as an unhandled rejection.
      attempt.catch(() => undefined);
      if (error instanceof CoatcheckError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(
        operation,
        `Store "${storeName}" failed \`${operation}\`: ${reason}`,
        error,
      );
    },
  );
}
