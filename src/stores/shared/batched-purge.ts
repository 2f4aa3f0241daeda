/**
 * The purge the SQL stores share: expired records, then forwarders past their window, each
 * removed in batches of `batch` rows so one purge never holds a long lock and requests run
 * between batches.
 */

/** Deletes at most `batch` expired rows of one kind (records, or forwarders) and says how many. */
export type DeleteBatch = (forwarders: boolean, batch: number) => Promise<number> | number;

/** Runs `deleteBatch` until a batch comes back short. Returns how many records (not forwarders) went. */
export async function purgeInBatches(deleteBatch: DeleteBatch, batch: number): Promise<number> {
  const purgeKind = async (forwarders: boolean): Promise<number> => {
    let removed = 0;
    for (;;) {
      const deleted = await deleteBatch(forwarders, batch);
      removed += deleted;
      if (deleted < batch) return removed;
      // One batch at a time: let requests run in between (a synchronous driver would not yield).
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
  };
  const removed = await purgeKind(false);
  await purgeKind(true); // forwarders past their window: not records, so not counted
  return removed;
}
