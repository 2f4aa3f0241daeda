/**
 * `coatcheck/stores/drizzle/sqlite`: the session table for the app's Drizzle schema on SQLite.
 * Export it from a schema file and drizzle-kit generates its migration. It imports drizzle-orm,
 * which the app's schema imports anyway; `coatcheck/stores/drizzle` itself does not.
 */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { validateIdentifier } from '../shared/sql-identifiers.ts';

/**
 * The session table: the columns, types and indexes of shared/sql-row.ts (the raw SQLite store's own).
 * @param name the table's name, as given to the store. Default `coatcheck_sessions`.
 * @throws ConfigError (`COATCHECK_CONFIG`) for an invalid table name.
 * @example
 * // db/schema.ts
 * export const sessions = sqliteSessionTable();
 */
export function sqliteSessionTable(name = 'coatcheck_sessions') {
  const table = validateIdentifier('sqliteSessionTable', 'table', name, 48);
  return sqliteTable(
    table,
    {
      key: text('key').primaryKey(),
      userId: text('user_id'),
      data: text('data', { mode: 'json' }).$type<Record<string, string>>().notNull(),
      createdAt: integer('created_at').notNull(),
      lastSeenAt: integer('last_seen_at').notNull(),
      expiresAt: integer('expires_at').notNull(),
      absoluteExpiresAt: integer('absolute_expires_at').notNull(),
      rev: integer('rev').notNull(),
      successor: text('successor'),
      readableUntil: integer('readable_until'),
      forwardWrites: integer('forward_writes', { mode: 'boolean' }),
    },
    (t) => [
      index(`${table}_user_id_idx`).on(t.userId).where(sql`${t.userId} IS NOT NULL`),
      index(`${table}_expires_at_idx`).on(t.expiresAt),
    ],
  );
}
