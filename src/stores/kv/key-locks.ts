/**
 * Per-key serialization inside one isolate. Workers KV has no compare-and-set, so nothing can
 * make two isolates' writes to one key atomic; what this store can do is never race itself: calls
 * of one isolate on one key run one after another, so a read-modify-write (a patch, a rotation)
 * never loses a change made by the same isolate. Across isolates and locations it guarantees
 * nothing (docs/stores/kv.md says what that means).
 */

/** Runs functions one at a time per key; a key's queue is dropped once it is idle. */
export class KeyLocks {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` once every earlier call for `key` has settled; resolves or rejects as `fn` does. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(fn, fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
