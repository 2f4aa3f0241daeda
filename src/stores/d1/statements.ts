/**
 * The D1 store's statements beyond the SQLite store's (which it runs as they are, one statement
 * each): the steps of a rotation and of a create under a user limit, written so that one `batch()`
 * carries each out atomically without an interactive transaction, which D1 does not have.
 *
 * Within a batch every statement sees the ones before it, and SQLite's `changes()` is the number of
 * rows the previous statement wrote: so each write after the first says `changes() = 1` to happen
 * only when the one before it did, and every decision the SQLite store makes in JavaScript between
 * statements is made in SQL instead. Numbered parameters (`?1`…) bind each value once.
 */
import { quoteSqlite } from '../sqlite/schema.ts';

/** A dead row (expired record, or forwarder past its window) at the key is replaced, as `create` does. */
const REPLACE_DEAD = `ON CONFLICT (key) DO UPDATE SET data = excluded.data, user_id = excluded.user_id,
    created_at = excluded.created_at, last_seen_at = excluded.last_seen_at,
    expires_at = excluded.expires_at, absolute_expires_at = excluded.absolute_expires_at, rev = 1,
    successor = NULL, readable_until = NULL, forward_writes = NULL
  WHERE expires_at <= ?3`;

/**
 * The batch statements for one validated table. Shared parameters: ?1 the key written (new key),
 * ?2 the key it replaces (old key of a rotation; the new key again for a create), ?3 now, ?4 the user.
 */
export function d1Sql(table: string) {
  const t = quoteSqlite(table);
  /** The user's other live records: what a limit counts. */
  const others = `SELECT key FROM ${t} WHERE user_id = ?4 AND successor IS NULL AND expires_at > ?3 AND key <> ?2 AND key <> ?1`;
  /** ?5 the reject limit (NULL: no reject limit): the insert happens only below it. */
  const belowLimit = `(?5 IS NULL OR (SELECT count(*) FROM (${others})) < ?5)`;
  const columns = 'key, data, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, rev';
  return {
    /** Read first in the batch, so the outcome is decided on the state the writes saw. */
    state: `SELECT (SELECT count(*) FROM ${t} WHERE key = ?1 AND expires_at > ?3) AS taken,
        (SELECT count(*) FROM (${others})) AS others`,
    /** ?6 data (JSON), ?7 created_at, ?8 last_seen_at, ?9 expires_at, ?10 absolute_expires_at. */
    create: `INSERT INTO ${t} (${columns}) SELECT ?1, ?6, ?4, ?7, ?8, ?9, ?10, 1 WHERE ${belowLimit} ${REPLACE_DEAD}`,
    /**
     * The new record from the old one, read in this statement: only when ?2 holds a live record
     * (not a forwarder, so a second rotation of one key inserts nothing). ?6 is the rotation's
     * patch as a JSON merge patch, applied to the data as stored now.
     */
    rotate: `INSERT INTO ${t} (${columns})
        SELECT ?1, json_patch(data, ?6), ?4, ?7, ?8, ?9, ?10, 1 FROM ${t}
        WHERE key = ?2 AND successor IS NULL AND expires_at > ?3 AND ${belowLimit} ${REPLACE_DEAD}`,
    /** The old row becomes a forwarder, only when the insert before it happened. ?11 readable_until, ?12 forward_writes, ?13 forward_until. */
    forward: `UPDATE ${t} SET successor = ?1, readable_until = ?11, forward_writes = ?12, expires_at = ?13, data = '{}'
        WHERE key = ?2 AND changes() = 1`,
    /**
     * evictOldest: only when the previous statement wrote the new session, the user's live records
     * beyond the ?5 - 1 most recently seen are deleted (as records: inside the batch none of them
     * can be rotated away meanwhile). ?5 here is the limit's max.
     */
    evict: `DELETE FROM ${t} WHERE changes() = 1 AND key IN (${others} ORDER BY last_seen_at DESC, key LIMIT -1 OFFSET ?5 - 1)`,
  } as const;
}

/** The name of one statement of {@link d1Sql}. */
export type D1StatementName = keyof ReturnType<typeof d1Sql>;
