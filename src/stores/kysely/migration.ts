/**
 * The session table as a Kysely migration, to add to the app's migrator: the same table, indexes
 * and types as the raw-driver stores create (shared/sql-row.ts), written with Kysely's schema
 * builder for the dialect of the instance the migrator runs it on.
 */
import type { Kysely } from 'kysely';
import { validateIdentifier } from '../shared/sql-identifiers.ts';
import { type KyselyLike, kyselyDialect } from './runner.ts';

/** Options of {@link kyselySessionMigration}. */
export interface KyselySessionMigrationOptions {
  /** The table's name, as given to the store. Default `coatcheck_sessions`. */
  readonly table?: string;
  /** PostgreSQL only: the schema to create the table in (it must exist). Default: the search_path's. */
  readonly schema?: string;
}

/** A migration in the shape Kysely's `Migrator` runs (`up`, `down`). */
export interface KyselySessionMigration {
  up(db: Kysely<unknown>): Promise<void>;
  down(db: Kysely<unknown>): Promise<void>;
}

/**
 * The migration that creates (`up`) and drops (`down`) the session table.
 * @throws ConfigError (`COATCHECK_CONFIG`) for an invalid table or schema name.
 * @example
 * // migrations/2026_01_01_sessions.ts
 * export const { up, down } = kyselySessionMigration();
 */
export function kyselySessionMigration(options: KyselySessionMigrationOptions = {}): KyselySessionMigration {
  const factory = 'kyselySessionMigration';
  const table = validateIdentifier(factory, 'table', options.table ?? 'coatcheck_sessions', 48);
  const schema =
    options.schema === undefined ? undefined : validateIdentifier(factory, 'schema', options.schema, 63);
  const on = (db: Kysely<unknown>) => (schema === undefined ? db.schema : db.schema.withSchema(schema));
  return {
    async up(db) {
      const { sql } = await import('kysely');
      const dialect = kyselyDialect(factory, db as unknown as KyselyLike, undefined);
      // Keys and user ids are case-sensitive: MySQL's default collations would fold them.
      const text = dialect === 'mysql' ? sql`varchar(255)` : sql`text`;
      const json = dialect === 'mysql' ? sql`json` : dialect === 'postgres' ? sql`jsonb` : sql`text`;
      const bigint = dialect === 'sqlite' ? sql`integer` : sql`bigint`;
      const boolean = dialect === 'sqlite' ? sql`integer` : sql`boolean`;
      let create = on(db)
        .createTable(table)
        .addColumn('key', text, (column) => column.primaryKey().notNull())
        .addColumn('user_id', text)
        .addColumn('data', json, (column) => column.notNull())
        .addColumn('created_at', bigint, (column) => column.notNull())
        .addColumn('last_seen_at', bigint, (column) => column.notNull())
        .addColumn('expires_at', bigint, (column) => column.notNull())
        .addColumn('absolute_expires_at', bigint, (column) => column.notNull())
        .addColumn('rev', sql`integer`, (column) => column.notNull())
        .addColumn('successor', text)
        .addColumn('readable_until', bigint)
        .addColumn('forward_writes', boolean);
      if (dialect === 'mysql')
        create = create.modifyEnd(sql`engine = InnoDB default charset = utf8mb4 collate = utf8mb4_bin`);
      await create.execute();
      const userIndex = on(db).createIndex(`${table}_user_id_idx`).on(table).column('user_id');
      // A partial index where the dialect has them: anonymous sessions are most rows.
      await (dialect === 'mysql' ? userIndex : userIndex.where(sql.ref('user_id'), 'is not', null)).execute();
      await on(db).createIndex(`${table}_expires_at_idx`).on(table).column('expires_at').execute();
    },
    async down(db) {
      await on(db).dropTable(table).execute();
    },
  };
}
