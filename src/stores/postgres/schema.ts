/**
 * The PostgreSQL schema of the session table and its idempotent, concurrency-safe migration.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../../core/errors.ts';
import { quotePostgres } from '../shared/sql-identifiers.ts';

/**
 * The schema version this code writes and reads. Bump it and add an {@link UPGRADES} step.
 * 1: records only. 2: forwarder rows (`successor`, `readable_until`, `forward_writes`), see shared/sql-row.ts.
 */
export const SCHEMA_VERSION = 2;

/** Quoted names of everything the store creates. */
export interface PostgresNames {
  /** `"schema"."table"` or `"table"` (then resolved through the search_path). */
  readonly table: string;
  readonly meta: string;
  readonly userIndex: string;
  readonly expiryIndex: string;
  readonly schema: string | undefined;
  /** Advisory lock key (a signed 64-bit integer literal) derived from the qualified table name. */
  readonly lockKey: string;
  /** `schema.table` unquoted, what per-user lock keys are derived from. */
  readonly identity: string;
}

/** Derives every quoted name from validated `schema` and `table` identifiers. */
export function postgresNames(schema: string | undefined, table: string): PostgresNames {
  const qualify = (name: string) =>
    schema === undefined ? quotePostgres(name) : `${quotePostgres(schema)}.${quotePostgres(name)}`;
  const digest = createHash('sha256')
    .update(`coatcheck:${schema ?? ''}.${table}`)
    .digest();
  return {
    table: qualify(table),
    meta: qualify(`${table}_meta`),
    // Index names are unqualified: PostgreSQL always creates an index in its table's schema.
    userIndex: quotePostgres(`${table}_user_id_idx`),
    expiryIndex: quotePostgres(`${table}_expires_at_idx`),
    schema: schema === undefined ? undefined : quotePostgres(schema),
    lockKey: digest.readBigInt64BE(0).toString(),
    identity: `${schema ?? ''}.${table}`,
  };
}

/**
 * The whole migration as one simple-protocol query. PostgreSQL runs a multi-statement simple query
 * as ONE implicit transaction, so the advisory lock taken first is held until everything is
 * committed (N instances migrating at once queue up instead of racing on `CREATE ... IF NOT
 * EXISTS`), and a failure rolls everything back without leaving the pooled connection in a
 * transaction. The last statement reports the version found, so a newer schema is detected.
 *
 * Times are `bigint` milliseconds since the epoch, exactly the contract's numbers: no time-zone or
 * precision conversion, and expiry compares against the app's clock passed as a parameter.
 */
export function migrationSql(names: PostgresNames): string {
  return [
    `SELECT pg_advisory_xact_lock(${names.lockKey})`,
    names.schema === undefined ? '' : `CREATE SCHEMA IF NOT EXISTS ${names.schema}`,
    `CREATE TABLE IF NOT EXISTS ${names.meta} (name text PRIMARY KEY, version integer NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${names.table} (
      key text PRIMARY KEY,
      user_id text,
      data jsonb NOT NULL,
      created_at bigint NOT NULL,
      last_seen_at bigint NOT NULL,
      expires_at bigint NOT NULL,
      absolute_expires_at bigint NOT NULL,
      rev integer NOT NULL,
      successor text,
      readable_until bigint,
      forward_writes boolean
    )`,
    `CREATE INDEX IF NOT EXISTS ${names.userIndex} ON ${names.table} (user_id) WHERE user_id IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS ${names.expiryIndex} ON ${names.table} (expires_at)`,
    `INSERT INTO ${names.meta} (name, version) VALUES ('schema', ${SCHEMA_VERSION}) ON CONFLICT (name) DO NOTHING`,
    upgradeSql(names),
    `SELECT version FROM ${names.meta} WHERE name = 'schema'`,
  ]
    .filter((statement) => statement !== '')
    .join(';\n');
}

/**
 * The steps that bring a table of an older version up to the next one, keyed by that next version.
 * Each runs only on a table at the version before it, so a newer table is never altered.
 */
function upgrades(names: PostgresNames): ReadonlyMap<number, string> {
  return new Map([
    [
      2,
      // Nullable columns without a default: PostgreSQL adds them without rewriting the table.
      `ALTER TABLE ${names.table} ADD COLUMN IF NOT EXISTS successor text,
        ADD COLUMN IF NOT EXISTS readable_until bigint, ADD COLUMN IF NOT EXISTS forward_writes boolean`,
    ],
  ]);
}

/** One DO block running, in order, every upgrade the table's recorded version still needs. */
function upgradeSql(names: PostgresNames): string {
  const steps = [...upgrades(names)].map(
    ([to, sql]) => `
    IF (SELECT version FROM ${names.meta} WHERE name = 'schema') = ${to - 1} THEN
      ${sql};
      UPDATE ${names.meta} SET version = ${to} WHERE name = 'schema';
    END IF;`,
  );
  return `DO $coatcheck$ BEGIN ${steps.join('')}
  END $coatcheck$`;
}

/**
 * Checks the version the migration reported.
 * @throws ConfigError (`COATCHECK_CONFIG`) when the table was migrated by a newer coatcheck.
 */
export function checkVersion(found: unknown, table: string): void {
  const version = Number(found);
  if (!Number.isInteger(version) || version > SCHEMA_VERSION) {
    throw new ConfigError(
      `postgresStore: table ${table} has schema version ${String(found)}, this coatcheck understands up to ${SCHEMA_VERSION}. Upgrade coatcheck or use another table.`,
    );
  }
}
