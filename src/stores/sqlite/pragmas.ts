/** The pragmas the SQLite store applies to a database file it opens itself, with either driver. */
import { runPragma, type SqliteHandle, setBusyTimeout } from './handle.ts';

/**
 * WAL (readers never block the writer), `synchronous = NORMAL` (in WAL mode a process crash loses
 * nothing committed; a power cut may lose the last transactions, never corrupt the file), and
 * `busy_timeout` so a second process waits for the write lock instead of failing at once. Closes
 * the database when one fails.
 */
export function applyFilePragmas(db: SqliteHandle, busyTimeoutMs: number): SqliteHandle {
  try {
    runPragma(db, 'journal_mode = WAL');
    runPragma(db, 'synchronous = NORMAL');
    setBusyTimeout(db, busyTimeoutMs);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
