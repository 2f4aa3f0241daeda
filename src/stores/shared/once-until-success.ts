/**
 * Runs `task` at most once at a time and keeps its success, but forgets a failure, so the next
 * caller tries again: a migration that fails while the database is down is retried once it is back.
 */
export function onceUntilSuccess(task: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= task().catch((error: unknown) => {
      done = undefined;
      throw error;
    });
    return done;
  };
}
