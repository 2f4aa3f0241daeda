/**
 * `#platform/sqlite-open` on Bun (the `bun` condition): opening a database file with Bun's built-in
 * `bun:sqlite` (better-sqlite3 is a Node addon Bun cannot load), same file format, same schema.
 */
import type { SqliteHandle } from './handle.ts';
import { applyFilePragmas } from './pragmas.ts';

/** What this module uses of `bun:sqlite`. */
interface BunSqlite {
  readonly Database: new (path: string, options: { create: boolean }) => SqliteHandle;
}

/** Opens (creating if missing) `path` with `bun:sqlite` and applies the store's pragmas. */
export async function openDatabase(path: string, busyTimeoutMs: number): Promise<SqliteHandle> {
  // A specifier in a variable: TypeScript has no types for it here, and bundlers leave it alone.
  const specifier = 'bun:sqlite';
  const { Database } = (await import(specifier)) as BunSqlite;
  return applyFilePragmas(new Database(path, { create: true }), busyTimeoutMs);
}
