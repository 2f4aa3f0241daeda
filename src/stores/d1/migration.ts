/**
 * Creating the D1 store's tables: the SQLite store's schema (same table, same version), applied
 * with one atomic `batch()` because D1 has no `BEGIN`. Idempotent, so concurrent isolates that
 * migrate at once are harmless.
 */
import { ConfigError } from '../../core/errors.ts';
import { META_TABLE, migrationSql, quoteSqlite, SCHEMA_VERSION } from '../sqlite/schema.ts';
import type { D1Binding } from './binding.ts';

/**
 * Creates the table, its indexes and its version row if missing, then checks the version.
 * @throws ConfigError (`COATCHECK_CONFIG`) when the table has another schema version: a newer
 * coatcheck wrote it, or an older one (version 1, which `sqliteStore().migrate()` upgrades).
 */
export async function migrateD1(db: D1Binding, table: string): Promise<void> {
  const meta = quoteSqlite(META_TABLE);
  const ddl = migrationSql(table)
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
  const results = await db.batch([
    ...ddl.map((statement) => db.prepare(statement)),
    db
      .prepare(`INSERT INTO ${meta} (name, version) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING`)
      .bind(table, SCHEMA_VERSION),
    db.prepare(`SELECT version FROM ${meta} WHERE name = ?1`).bind(table),
  ]);
  const found = results.at(-1)?.results?.[0]?.version;
  if (Number(found) !== SCHEMA_VERSION) {
    throw new ConfigError(
      `d1Store: table ${table} has schema version ${String(found)}, this coatcheck reads version ${SCHEMA_VERSION}. Use another table, or upgrade coatcheck (a newer version wrote it).`,
    );
  }
}
