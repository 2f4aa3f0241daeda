/**
 * `coatcheck/stores/drizzle/pg`: the session table for the app's Drizzle schema on PostgreSQL.
 * Export it from a schema file and drizzle-kit generates its migration. It imports drizzle-orm,
 * which the app's schema imports anyway; `coatcheck/stores/drizzle` itself does not.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgSchema, pgTable, text } from 'drizzle-orm/pg-core';
import { validateIdentifier } from '../shared/sql-identifiers.ts';

/** Options of {@link pgSessionTable}. */
export interface PgSessionTableOptions {
  /** The schema holding the table (declare it in your schema too: `pgSchema(name)`). Default: none. */
  readonly schema?: string;
}

/**
 * The session table: the columns, types and indexes of shared/sql-row.ts (the raw PostgreSQL store's own).
 * @param name the table's name, as given to the store. Default `coatcheck_sessions`.
 * @throws ConfigError (`COATCHECK_CONFIG`) for an invalid table or schema name.
 * @example
 * // db/schema.ts
 * export const sessions = pgSessionTable();
 */
export function pgSessionTable(name = 'coatcheck_sessions', options: PgSessionTableOptions = {}) {
  const factory = 'pgSessionTable';
  const table = validateIdentifier(factory, 'table', name, 48);
  const millis = (column: string) => bigint(column, { mode: 'number' });
  const columns = {
    key: text('key').primaryKey(),
    userId: text('user_id'),
    data: jsonb('data').$type<Record<string, string>>().notNull(),
    createdAt: millis('created_at').notNull(),
    lastSeenAt: millis('last_seen_at').notNull(),
    expiresAt: millis('expires_at').notNull(),
    absoluteExpiresAt: millis('absolute_expires_at').notNull(),
    rev: integer('rev').notNull(),
    successor: text('successor'),
    readableUntil: millis('readable_until'),
    forwardWrites: boolean('forward_writes'),
  };
  // The index callback is written out for each table kind, so Drizzle infers its columns.
  if (options.schema === undefined) {
    return pgTable(table, columns, (t) => [
      // Partial: anonymous sessions are most rows, and only users are looked up.
      index(`${table}_user_id_idx`).on(t.userId).where(sql`${t.userId} IS NOT NULL`),
      index(`${table}_expires_at_idx`).on(t.expiresAt),
    ]);
  }
  const schema = validateIdentifier(factory, 'schema', options.schema, 63);
  return pgSchema(schema).table(table, columns, (t) => [
    index(`${table}_user_id_idx`).on(t.userId).where(sql`${t.userId} IS NOT NULL`),
    index(`${table}_expires_at_idx`).on(t.expiresAt),
  ]);
}
