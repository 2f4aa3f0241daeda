/**
 * Bounded fan-out for stores whose backend has no multi-key command for the job (a user's
 * sessions on Redis Cluster, DynamoDB items): enough calls in flight to hide round trips, few
 * enough not to flood the server or the client's queue.
 */

/** Runs `task` over `items`, at most `width` at a time, keeping order. */
export async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) {
    results.push(...(await Promise.all(items.slice(i, i + width).map(task))));
  }
  return results;
}
