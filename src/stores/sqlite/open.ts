/**
 * Opening a database file with `better-sqlite3`, loaded only when the store is given a path.
 */
import type { Database } from 'better-sqlite3';
import { ConfigError } from '../../core/errors.ts';

/**
 * Opens `path` with a dynamically imported `better-sqlite3` and applies the store's pragmas:
 * WAL (readers never block the writer), `synchronous = NORMAL` (in WAL mode a process crash loses
 * nothing committed; a power cut may lose the last transactions, never corrupt the file), and
 * `busy_timeout` so a second process waits for the write lock instead of failing at once.
 * @throws ConfigError (`COATCHECK_CONFIG`) when `better-sqlite3` is not installed.
 */
export async function openDatabase(path: string, busyTimeoutMs: number): Promise<Database> {
  let Driver: typeof import('better-sqlite3');
  try {
    Driver = (await import('better-sqlite3')).default;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new ConfigError(
        'sqliteStore: a database path needs the "better-sqlite3" package: npm install better-sqlite3',
      );
    }
    throw error;
  }
  const db = new Driver(path, { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
