/**
 * `coatcheck/stores/drizzle/mysql`: the session table for the app's Drizzle schema on MySQL 8 or
 * MariaDB. Export it from a schema file and drizzle-kit generates its migration. It imports
 * drizzle-orm, which the app's schema imports anyway; `coatcheck/stores/drizzle` itself does not.
 */
import { bigint, boolean, customType, index, int, json, mysqlTable } from 'drizzle-orm/mysql-core';
import { validateIdentifier } from '../shared/sql-identifiers.ts';

/**
 * A key or user id column: `varchar(255)` in a binary collation. Keys and user ids are
 * case-sensitive, and MySQL's default collations fold case (`Alice` would be `alice`).
 */
const binaryText = customType<{ data: string }>({ dataType: () => 'varchar(255) COLLATE utf8mb4_bin' });

/**
 * The session table: the columns, types and indexes of shared/sql-row.ts (the raw MySQL store's own).
 * @param name the table's name, as given to the store. Default `coatcheck_sessions`.
 * @throws ConfigError (`COATCHECK_CONFIG`) for an invalid table name.
 * @example
 * // db/schema.ts
 * export const sessions = mysqlSessionTable();
 */
export function mysqlSessionTable(name = 'coatcheck_sessions') {
  const table = validateIdentifier('mysqlSessionTable', 'table', name, 48);
  const millis = (column: string) => bigint(column, { mode: 'number' });
  return mysqlTable(
    table,
    {
      key: binaryText('key').primaryKey(),
      userId: binaryText('user_id'),
      data: json('data').$type<Record<string, string>>().notNull(),
      createdAt: millis('created_at').notNull(),
      lastSeenAt: millis('last_seen_at').notNull(),
      expiresAt: millis('expires_at').notNull(),
      absoluteExpiresAt: millis('absolute_expires_at').notNull(),
      rev: int('rev').notNull(),
      successor: binaryText('successor'),
      readableUntil: millis('readable_until'),
      forwardWrites: boolean('forward_writes'),
    },
    (t) => [index(`${table}_user_id_idx`).on(t.userId), index(`${table}_expires_at_idx`).on(t.expiresAt)],
  );
}
