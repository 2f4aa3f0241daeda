/**
 * The ORM stores' suite, written once and run for each ORM and database (`kysely(postgres)`,
 * `drizzle(sqlite)`, …) with that name in every title: the exported conformance suite and the
 * SQL-table suite on a table the ORM's own migration created, then what only an ORM store has to
 * hold (the start-up check of the app's table, transactions of the app never joined).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ErrorCodes } from '../../src/core/errors.ts';
import type { OrmStoreOptions } from '../../src/stores/orm/options.ts';
import type { OrmDialect } from '../../src/stores/orm/runner.ts';
import type { SqlStore, SqlTableStore } from '../../src/stores/shared/sql-store.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { randomKey, sampleRecord, sleep } from '../../src/testing/records.ts';
import { uniqueName } from './services.ts';
import type { OpenVia, SqlTableHarness } from './sql-table-harness.ts';
import { describeSqlTableStore } from './sql-table-suite.ts';

/** One ORM on one database, as the suite drives it. */
export interface OrmTarget {
  /** `kysely(postgres)`: the first word of every title. */
  readonly name: string;
  readonly dialect: OrmDialect;
  /** Why the suite is skipped (server unreachable), or `undefined`. */
  readonly skip: string | undefined;
  /** Creates `table` the way the app would: the ORM's migration (or the DDL its tooling generates). */
  createTable(table: string): Promise<void>;
  /** A store on the app's client; `via.second`: another app instance (its own pool or handle). */
  open(options: OrmStoreOptions & { readonly table: string }, via?: OpenVia): SqlTableStore;
  /** One raw statement on an admin connection (no parameters: tests inline only safe literals). */
  sql(text: string): Promise<Record<string, unknown>[]>;
  /**
   * Opens a transaction with the ORM on the app's client, runs `during` while it is open (after
   * the transaction wrote a row, so it holds a lock), then rolls it back.
   */
  inAppTransaction(table: string, during: () => Promise<void>): Promise<void>;
  /** Releases the target's clients. */
  close(): Promise<void>;
}

/** Registers every suite for `target`. */
export function describeOrmStore(target: OrmTarget): void {
  const { name, skip } = target;
  const quote = (identifier: string) =>
    target.dialect === 'mysql' ? `\`${identifier}\`` : `"${identifier}"`;
  const tables: string[] = [];
  const created = new Map<string, Promise<void>>();
  /** A fresh table name; the app's migration creating it starts at once. */
  const table = (): string => {
    const fresh = uniqueName('cc_orm');
    tables.push(fresh);
    created.set(fresh, skip === undefined ? target.createTable(fresh) : Promise.resolve());
    return fresh;
  };
  after(async () => {
    if (skip !== undefined) return;
    for (const each of tables) await target.sql(`DROP TABLE IF EXISTS ${quote(each)}`).catch(() => {});
    await target.close();
  });

  const conformanceTable = table();
  describeStoreConformance({
    name,
    skip,
    async createStore() {
      await created.get(conformanceTable);
      return target.open({ table: conformanceTable });
    },
  });

  const harness: SqlTableHarness = {
    name,
    skip,
    migrates: false,
    table,
    open(options, via) {
      const store = target.open(options, via);
      const tableCreated = created.get(options.table) ?? Promise.resolve();
      return withMigration(store, tableCreated);
    },
    sql: (text) => target.sql(text),
    quote,
    version: async () => undefined,
    setVersion: async () => {},
    createVersion1: async () => {},
    missingTable: /does not exist|doesn't exist|no such table/,
  };
  describeSqlTableStore(harness);

  describe(`${name} ORM store`, skip === undefined ? {} : { skip }, () => {
    it(`${name}: at start-up, refuses a table that does not match and names every missing piece`, async () => {
      const missing = uniqueName('cc_orm_none');
      await assert.rejects(target.open({ table: missing }).get(randomKey()), {
        code: ErrorCodes.CONFIG,
        message: new RegExp(`${missing} is not what the store needs: the table does not exist`),
      });
      const partial = table();
      await created.get(partial);
      await target.sql(`DROP TABLE ${quote(partial)}`);
      const text = target.dialect === 'mysql' ? 'VARCHAR(255) COLLATE utf8mb4_general_ci' : 'TEXT';
      await target.sql(
        `CREATE TABLE ${quote(partial)} (${quote('key')} ${text} PRIMARY KEY, user_id ${text}, data ${
          target.dialect === 'postgres' ? 'json' : 'TEXT'
        } NOT NULL, created_at BIGINT NOT NULL, rev INTEGER)`,
      );
      const store = target.open({ table: partial });
      const rejected = await store.count().then(
        () => undefined,
        (error: unknown) => error as { code?: string; message: string },
      );
      assert.equal(rejected?.code, ErrorCodes.CONFIG);
      const message = rejected?.message ?? '';
      for (const column of [
        'last_seen_at',
        'expires_at',
        'absolute_expires_at',
        'successor',
        'forward_writes',
      ]) {
        assert.match(message, new RegExp(`column ${column} is missing`));
      }
      assert.match(message, /column rev must be NOT NULL/);
      assert.match(message, /no index on expires_at/);
      assert.match(message, /no index on user_id/);
      if (target.dialect === 'postgres') assert.match(message, /column data is json, needs jsonb/);
      if (target.dialect === 'mysql') assert.match(message, /column key has collation utf8mb4_general_ci/);
      await store.close();
    });

    it(`${name}: checkTable: false skips the check (a table the app altered on purpose)`, async () => {
      const store = target.open({ table: uniqueName('cc_orm_none'), checkTable: false });
      await assert.rejects(
        store.get(randomKey()),
        (error: { code?: string }) => error.code !== ErrorCodes.CONFIG,
      );
      await store.close();
    });

    it(`${name}: a session written while the app holds a transaction open is not part of it`, async () => {
      const name = table();
      await created.get(name);
      const store = target.open({ table: name });
      await store.count(); // checked before the app's transaction starts
      const key = randomKey();
      let written: Promise<unknown> | undefined;
      await target.inAppTransaction(name, async () => {
        written = store.create(key, sampleRecord({ data: { kept: '"yes"' } }));
        // On a pool the write commits on a connection of its own now; on one SQLite connection
        // it waits for the app's transaction to end. Either way it is not rolled back with it.
        await Promise.race([written, sleep(200)]);
      });
      assert.equal(await written, true);
      assert.deepStrictEqual({ ...(await store.get(key))?.data }, { kept: '"yes"' });
      await store.close();
    });
  });
}

/** `store` as the SQL-table suite opens it: every call waits for the app's migration; `migrate()` is it. */
function withMigration(store: SqlTableStore, created: Promise<void>): SqlStore {
  const wrapped = Object.fromEntries(
    Object.entries(store).map(([key, value]) => [
      key,
      typeof value === 'function'
        ? async (...args: unknown[]) => {
            await created;
            return (value as (...a: unknown[]) => unknown).apply(store, args);
          }
        : value,
    ]),
  ) as unknown as SqlTableStore;
  return {
    ...wrapped,
    async migrate() {
      await created;
      await store.count(); // runs the start-up check, as a first call would
    },
  };
}
