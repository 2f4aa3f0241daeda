/**
 * A Kysely instance as an {@link OrmRunner}: each statement is a compiled raw query (the same SQL
 * text the raw-driver stores send), run on a connection the executor of a plugin-free copy of the
 * instance lends (a `CamelCasePlugin` would rename the columns the store reads); transactions are
 * `db.transaction().execute()` on that copy, so each gets a connection of its own.
 */
import type { CompiledQuery, QueryResult } from 'kysely';
import { ConfigError } from '../../core/errors.ts';
import type { OrmDialect, OrmResult, OrmRun, OrmRunner } from '../orm/runner.ts';

/** What the store uses of a `Kysely` instance (any database type). */
export interface KyselyLike {
  /** True for a transaction: the store refuses one, as its writes would roll back with it. */
  readonly isTransaction: boolean;
  /** The instance without your plugins (e.g. CamelCasePlugin), so the store's SQL is its own. */
  withoutPlugins(): KyselyLike;
  /** Runs one compiled query. */
  executeQuery(query: CompiledQuery<unknown>): Promise<QueryResult<unknown>>;
  /** A transaction builder, for the per-user limit. */
  transaction(): { execute<T>(callback: (trx: KyselyLike) => Promise<T>): Promise<T> };
  /** The executor: its adapter tells the dialect, and it lends connections of the app's pool. */
  getExecutor(): KyselyExecutorLike;
}

/** What the store uses of a Kysely query executor. */
export interface KyselyExecutorLike {
  /** The dialect's adapter (PostgresAdapter, MysqlAdapter, SqliteAdapter or a subclass). */
  readonly adapter: object;
  /** Runs `consumer` on a connection of the dialect's pool, released when it settles. */
  provideConnection<T>(
    consumer: (connection: {
      executeQuery(query: CompiledQuery<unknown>): Promise<QueryResult<unknown>>;
    }) => Promise<T>,
  ): Promise<T>;
}

/**
 * The dialect of `db`, from its adapter (PostgresAdapter, MysqlAdapter, SqliteAdapter and their
 * subclasses, such as PGlite's), unless `dialect` says it.
 * @throws ConfigError (`COATCHECK_CONFIG`) when it cannot be told.
 */
export function kyselyDialect(factory: string, db: KyselyLike, dialect: OrmDialect | undefined): OrmDialect {
  if (dialect !== undefined) return dialect;
  for (let proto = Object.getPrototypeOf(db.getExecutor().adapter); proto !== null; ) {
    const name = String((proto.constructor as { name?: unknown }).name);
    if (/Postgres|PGlite/i.test(name)) return 'postgres';
    if (/Mysql|MariaDB/i.test(name)) return 'mysql';
    if (/Sqlite/i.test(name)) return 'sqlite';
    proto = Object.getPrototypeOf(proto);
  }
  throw new ConfigError(
    `${factory}: cannot tell the SQL dialect of this Kysely instance; pass dialect: 'postgres', 'mysql' or 'sqlite'.`,
  );
}

/** Builds the runner over `db` once Kysely's module (for `CompiledQuery.raw`) is loaded. */
export async function kyselyRunner(db: KyselyLike, dialect: OrmDialect): Promise<OrmRunner> {
  const { CompiledQuery } = await import('kysely');
  const shaped = (result: QueryResult<unknown>): OrmResult => {
    const rows = result.rows as Record<string, unknown>[];
    return { rows, affected: Number(result.numAffectedRows ?? rows.length) };
  };
  const on =
    (target: KyselyLike): OrmRun =>
    async (sql, values) =>
      shaped(await target.executeQuery(CompiledQuery.raw(sql, [...values])));
  const plain = db.withoutPlugins();
  const executor = plain.getExecutor();
  /**
   * A statement outside a transaction, on a connection the executor lends: what `executeQuery`
   * does less its query id and result-plugin pass, which cost about 4 µs of CPU per statement
   * (docs/BENCHMARKS.md, "The Drizzle store beside the raw PostgreSQL store"). Kysely's `log`
   * still sees it: the driver logs at the connection.
   */
  const run: OrmRun = async (sql, values) => {
    const query = CompiledQuery.raw(sql, [...values]);
    return shaped(await executor.provideConnection((connection) => connection.executeQuery(query)));
  };
  return {
    dialect,
    run,
    transaction: (body) => plain.transaction().execute((trx) => body(on(trx))),
  };
}
