/**
 * A data patch as a JSON merge patch (RFC 7396), for the SQLite-family stores that merge inside
 * the database with `json_patch`: set members replace, `null` members delete (values are strings,
 * never null, so `null` is free to mean "remove").
 */
import type { StoreDataPatch } from '../../core/store.ts';

/** The merge patch of `patch`, as JSON text. */
export function mergePatch(patch: StoreDataPatch): string {
  return JSON.stringify(
    Object.fromEntries([
      ...patch.del.map((name): [string, null] => [name, null]),
      ...Object.entries(patch.set),
    ]),
  );
}
