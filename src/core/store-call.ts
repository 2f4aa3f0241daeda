/**
 * Every store call goes through here: a deadline, and one error type for every system failure,
 * so adapters can answer 503 and no request ever hangs on a dead store.
 */
import { deadline } from './deadlines.ts';
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
  let attempt: Promise<T>;
  try {
    attempt = run();
  } catch (error) {
    attempt = Promise.reject(error);
  }
  // One promise settled by whichever comes first: on every store call, so no Promise.race and no
  // second promise for the deadline.
  return new Promise<T>((resolve, reject) => {
    const due = deadline(timeoutMs, () => {
      // Keep the late settlement of a timed-out call from surfacing as an unhandled rejection.
      attempt.catch(() => undefined);
      reject(
        new StoreUnavailableError(
          operation,
          `Store "${storeName}" did not answer \`${operation}\` within ${timeoutMs} ms.`,
        ),
      );
    });
    attempt.then(
      (value) => {
        due.cancel();
        resolve(value);
      },
      (error: unknown) => {
        due.cancel();
        reject(asStoreError(storeName, operation, error));
      },
    );
  });
}

/** CoatcheckErrors a store throws on purpose pass through; any other failure means the store is unavailable. */
function asStoreError(storeName: string, operation: string, error: unknown): Error {
  if (error instanceof CoatcheckError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(
    operation,
    `Store "${storeName}" failed \`${operation}\`: ${reason}`,
    error,
  );
}
