/**
 * Every store call goes through here: a deadline, and one error type for every system failure,
 * so adapters can answer 503 and no request ever hangs on a dead store.
 */
import { deadlineQueue, type Expiring } from './deadlines.ts';
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
  return callStoreWith(storeName, operation, timeoutMs, run, undefined);
}

/** {@link callStore} with `run(arg)`, so a caller passes its store without a closure around it. */
export function callStoreWith<T, A>(
  storeName: string,
  operation: string,
  timeoutMs: number,
  run: (arg: A) => Promise<T>,
  arg: A,
): Promise<T> {
  let attempt: Promise<T>;
  try {
    attempt = run(arg);
  } catch (error) {
    attempt = Promise.reject(error);
  }
  // One promise settled by whichever comes first, and the call is its own deadline entry: no
  // Promise.race, no second promise and no deadline object on the hot path of every store call.
  return new Promise<T>((resolve, reject) => {
    const call = new StoreCall(storeName, operation, timeoutMs, attempt, reject);
    const queue = deadlineQueue(timeoutMs);
    queue.add(call);
    attempt.then(
      (value) => {
        queue.remove(call);
        resolve(value);
      },
      (error: unknown) => {
        queue.remove(call);
        reject(asStoreError(storeName, operation, error));
      },
    );
  });
}

/** A store call in flight, as its deadline queue's entry. */
class StoreCall<T> implements Expiring {
  due = 0;
  readonly #storeName: string;
  readonly #operation: string;
  readonly #timeoutMs: number;
  readonly #attempt: Promise<T>;
  readonly #reject: (error: unknown) => void;

  constructor(
    storeName: string,
    operation: string,
    timeoutMs: number,
    attempt: Promise<T>,
    reject: (error: unknown) => void,
  ) {
    this.#storeName = storeName;
    this.#operation = operation;
    this.#timeoutMs = timeoutMs;
    this.#attempt = attempt;
    this.#reject = reject;
  }

  expire(): void {
    // Keep the late settlement of a timed-out call from surfacing as an unhandled rejection.
    this.#attempt.catch(() => undefined);
    this.#reject(
      new StoreUnavailableError(
        this.#operation,
        `Store "${this.#storeName}" did not answer \`${this.#operation}\` within ${this.#timeoutMs} ms.`,
      ),
    );
  }
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
