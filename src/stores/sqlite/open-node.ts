/**
 * `#platform/sqlite-open` everywhere but Bun: opening a database file with `better-sqlite3`,
 * loaded only when the store is given a path.
 */
import { ConfigError } from '../../core/errors.ts';
import type { SqliteHandle } from './handle.ts';
import { applyFilePragmas } from './pragmas.ts';

/**
 * Opens `path` with a dynamically imported `better-sqlite3` and applies the store's pragmas.
 * @throws ConfigError (`COATCHECK_CONFIG`) when `better-sqlite3` is not installed.
 */
export async function openDatabase(path: string, busyTimeoutMs: number): Promise<SqliteHandle> {
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
  return applyFilePragmas(new Driver(path, { timeout: busyTimeoutMs }), busyTimeoutMs);
}
