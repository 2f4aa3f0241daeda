/**
 * What the shared SQL-table suite needs from one SQL store's test file: how to open the store on
 * a table, how to reach the database directly, and the store's dialect details. Each of
 * test/stores/{sqlite,postgres,mysql}.test.ts builds one and hands it to `describeSqlTableStore`.
 */
import type { SqlStore, SqlTableOptions } from '../../src/stores/shared/sql-store.ts';

/** Options for {@link SqlTableHarness.open}: the table is required, everything else as the store takes it. */
export type SqlTableOpenOptions = SqlTableOptions & { readonly table: string };

/** How a store is opened. */
export interface OpenVia {
  /** Receives the first word (e.g. `SELECT`) of every statement the store sends, to count round trips. */
  readonly log?: string[];
  /**
   * Open it on its own connections (a second pool, a second database handle): a second app
   * instance, so races run between real connections, not inside one driver's queue.
   */
  readonly second?: boolean;
}

/** One SQL store, as the shared suite drives it. */
export interface SqlTableHarness {
  /** `sqlite`, `postgres` or `mysql`: the first word of every test title. */
  readonly name: string;
  /**
   * `false` for a store on a table the app's migrations create (the ORM stores): the schema
   * version and upgrade tests are left out, and `migrate()` stands for the app's migration.
   */
  readonly migrates?: boolean;
  /** Why the suite is skipped (server unreachable), or `undefined`. */
  readonly skip: string | undefined;
  /** A fresh table name; the harness drops it (and its meta table) when the file ends. */
  table(): string;
  /** A store on `options.table`. */
  open(options: SqlTableOpenOptions, via?: OpenVia): SqlStore;
  /** Runs one raw statement (no parameters: tests inline only safe literals) and resolves its rows. */
  sql(text: string): Promise<Record<string, unknown>[]>;
  /** Quotes an identifier for this dialect (`key` is reserved in MySQL). */
  quote(identifier: string): string;
  /** The schema version recorded for `table`, `undefined` when none is. */
  version(table: string): Promise<number | undefined>;
  /** Records `version` for `table`, as a newer (or older) coatcheck would have. */
  setVersion(table: string, version: number): Promise<void>;
  /** Creates `table` exactly as coatcheck's schema version 1 did, its version row included. */
  createVersion1(table: string): Promise<void>;
  /** What a store on a table that does not exist rejects with. */
  readonly missingTable: RegExp;
}
