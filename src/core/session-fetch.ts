/**
 * Loading a session's record into its state, the one store read of a request: the record core
 * considers live, opened (decrypted, decoded, schema-checked) and adopted by the state's values.
 */
import { openRecord } from './open-record.ts';
import type { SessionState } from './session-state.ts';
import type { StoreRecord } from './store.ts';

/** Loads the live record at `key` into `state`; a failed load marks the state so the commit knows. */
export async function fetchInto(state: SessionState, key: string): Promise<void> {
  let record: StoreRecord | undefined;
  try {
    record = await state.runtime.fetchLive(key);
    if (record === undefined) return;
    const opening = openRecord(state, record);
    // Await only a schema's validation: awaiting a plain value would still cost a microtask.
    const opened = opening instanceof Promise ? await opening : opening;
    if (opened === undefined) return;
    state.values.adopt(record.data, opened);
    state.record = record;
  } catch (error) {
    // The commit must not mistake a failed load (store down) for "no session".
    state.loadFailed = true;
    throw error;
  }
}
