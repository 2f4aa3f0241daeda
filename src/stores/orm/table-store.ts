/**
 * An ORM client as a session store: the {@link OrmRunner} an ORM's glue provides, turned into the
 * same table store the raw-driver stores use (postgres/table-store.ts, mysql/table-store.ts,
 * sqlite/table-store.ts), with the start-up check of the app's table in place of a migration.
 *
 * Only what differs from a driver is here: how a transaction is opened (the ORM's API, on the
 * root client), how its outcome decides commit or rollback, and how results are shaped.
 */
import { ConfigError } from '../../core/errors.ts';
import type { MysqlQuery } from '../mysql/statements.ts';
import { mysqlTableStore } from '../mysql/table-store.ts';
import { isRetryable, TRANSACTION_ATTEMPTS } from '../mysql/transaction.ts';
import { postgresNames } from '../postgres/schema.ts';
import type { PostgresQuery } from '../postgres/statements.ts';
import { postgresTableStore } from '../postgres/table-store.ts';
import { onceUntilSuccess } from '../shared/once-until-success.ts';
import type { SqlTableStore } from '../shared/sql-store.ts';
import { type SqliteStatementName, sqliteSql } from '../sqlite/statements.ts';
import { type SqliteClient, sqliteTableStore } from '../sqlite/table-store.ts';
import { runStepsAsync, runStepsSync, type SqliteOutcome } from '../sqlite/transaction-steps.ts';
import { type OrmRun, type OrmRunner, returnsRows } from './runner.ts';
import { checkTable } from './schema-check.ts';

/** The validated options every ORM store shares. */
export interface OrmTableSettings {
  /** The store's `name` (`kysely`, `drizzle`). */
  readonly storeName: string;
  /** The factory, as messages name it (`kyselyStore`). */
  readonly factory: string;
  /** Where the table definition is documented, for the start-up check's message. */
  readonly docs: string;
  readonly table: string;
  /** PostgreSQL schema; `undefined`: the connection's `search_path`. */
  readonly schema: string | undefined;
  /** Check the table before the first call (default). */
  readonly check: boolean;
  readonly purgeBatchSize: number;
  readonly pruneIntervalMs: number;
  readonly onPruneError: ((error: unknown) => void) | undefined;
  /** MySQL: called with each deadlock a transaction was run again after. */
  readonly onRetry: ((error: unknown) => void) | undefined;
}

/** Carries a transaction's outcome out through the ORM's rollback. */
class Rollback<T> {
  constructor(readonly outcome: T) {}
}

/** Runs `body` in an ORM transaction; commits when `keep(outcome)`, else rolls back and still returns it. */
async function keptTransaction<T>(
  runner: OrmRunner,
  body: (run: OrmRun) => Promise<T>,
  keep: (outcome: T) => boolean,
): Promise<T> {
  try {
    return await runner.transaction(async (run) => {
      const outcome = await body(run);
      if (!keep(outcome)) throw new Rollback(outcome);
      return outcome;
    });
  } catch (error) {
    if (error instanceof Rollback) return error.outcome as T;
    throw error;
  }
}

/** `pg`'s result shape from an ORM result. */
function postgresQuery(run: OrmRun): PostgresQuery {
  return async (text, values) => {
    const { rows, affected } = await run(text, values);
    return { rows: [...rows], rowCount: affected };
  };
}

/**
 * mysql2's result shape (`[rows]` or `[header]`) from an ORM result, with every array value
 * expanded into one placeholder per element (`IN (?)`), as mysql2's `query` does: drivers that
 * prepare statements (and ORMs that bind each value) do not.
 */
function mysqlQuery(run: OrmRun): MysqlQuery {
  return async (sql, values) => {
    const [text, flat] = expandArrays(sql, (values ?? []) as readonly unknown[]);
    const { rows, affected } = await run(text, flat);
    return returnsRows(text) ? [[...rows]] : [{ affectedRows: affected }];
  };
}

/** `sql` with each `?` whose value is an array turned into `?, ?, …`, and the values flattened. */
export function expandArrays(sql: string, values: readonly unknown[]): [string, unknown[]] {
  if (!values.some(Array.isArray)) return [sql, [...values]];
  const flat: unknown[] = [];
  let index = 0;
  const text = sql.replace(/\?/g, () => {
    const value = values[index++];
    if (!Array.isArray(value)) {
      flat.push(value);
      return '?';
    }
    flat.push(...value);
    return value.map(() => '?').join(', ');
  });
  return [text, flat];
}

/** The named lock statements of the MySQL store, on the transaction's connection. */
const MYSQL_LOCK = "CONCAT('coatcheck:', LEFT(SHA2(CONCAT(DATABASE(), '.', ?), 256), 48))";
const USER_LOCK_TIMEOUT_S = 10;

/**
 * The tables found to match, per app client: a second store on the same client and table (a
 * restart of the sessions manager, a test's fresh store) skips the catalog reads.
 */
const checked = new WeakMap<object, Set<string>>();

/**
 * The session table behind `runner`, checked (once it succeeds, once per `client` and table)
 * before the first call. `client` is the app's ORM instance.
 */
export function ormTableStore(
  settings: OrmTableSettings,
  client: object,
  runner: () => Promise<OrmRunner>,
): SqlTableStore {
  let resolved: OrmRunner | undefined;
  const { factory, table, schema } = settings;
  const ready = onceUntilSuccess(async () => {
    const found = await runner();
    if (schema !== undefined && found.dialect !== 'postgres') {
      throw new ConfigError(
        `${factory}: schema is for PostgreSQL; on ${found.dialect} name the table alone.`,
      );
    }
    const seen = checked.get(client) ?? new Set<string>();
    const name = `${schema ?? ''}.${table}`;
    if (settings.check && !seen.has(name)) {
      await checkTable(found.run, {
        dialect: found.dialect,
        table,
        schema,
        factory,
        docs: settings.docs,
      });
      seen.add(name);
      checked.set(client, seen);
    }
    resolved = found;
  });
  const current = (): OrmRunner => resolved as OrmRunner;
  const run: OrmRun = (sql, values) => current().run(sql, values);
  const common = {
    storeName: settings.storeName,
    factory,
    ready,
    purgeBatchSize: settings.purgeBatchSize,
    pruneIntervalMs: settings.pruneIntervalMs,
    onPruneError: settings.onPruneError,
  };

  // The dialect is known only once the ORM's module is loaded: one store of each kind, chosen then.
  let store: SqlTableStore | undefined;
  const pick = async (): Promise<SqlTableStore> => {
    await ready();
    store ??= build(current().dialect);
    return store;
  };
  const build = (dialect: OrmRunner['dialect']): SqlTableStore => {
    if (dialect === 'postgres') {
      return postgresTableStore({
        ...common,
        names: postgresNames(schema, table),
        query: postgresQuery(run),
        lockedTransaction: (lockKey, body, keep) =>
          keptTransaction(
            current(),
            async (q) => {
              await q('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey]);
              return body(postgresQuery(q));
            },
            keep,
          ),
      });
    }
    if (dialect === 'mysql') {
      return mysqlTableStore({
        ...common,
        table,
        query: mysqlQuery(run),
        // The ORM gives the connection back at commit, so the named lock is released just before
        // it: the next holder's locking read then waits for this commit (see mysql/table-store.ts).
        lockingLimitRead: true,
        transaction: (body, { lock, keep }) =>
          retried(
            () =>
              keptTransaction(
                current(),
                async (q) => {
                  const query = mysqlQuery(q);
                  if (lock === undefined) return body(query);
                  const got = await q(`SELECT GET_LOCK(${MYSQL_LOCK}, ?) AS locked`, [
                    lock,
                    USER_LOCK_TIMEOUT_S,
                  ]);
                  if (Number(got.rows[0]?.locked) !== 1) {
                    throw new Error(
                      `${factory}: another login of this user held its lock for ${USER_LOCK_TIMEOUT_S} s`,
                    );
                  }
                  try {
                    return await body(query);
                  } finally {
                    await q(`SELECT RELEASE_LOCK(${MYSQL_LOCK})`, [lock]);
                  }
                },
                keep,
              ),
            settings.onRetry,
          ),
      });
    }
    return sqliteTableStore({ ...common, ready: async () => sqliteClient(current(), table) });
  };

  // Every method waits for the check, then calls the dialect's store.
  const forward =
    <K extends keyof SqlTableStore>(method: K) =>
    async (...args: unknown[]) =>
      ((await pick())[method] as (...a: unknown[]) => unknown)(...args);
  return {
    name: settings.storeName,
    reportsExpired: true,
    get: forward('get') as SqlTableStore['get'],
    create: forward('create') as SqlTableStore['create'],
    update: forward('update') as SqlTableStore['update'],
    updateData: forward('updateData') as SqlTableStore['updateData'],
    touch: forward('touch') as SqlTableStore['touch'],
    rotate: forward('rotate') as SqlTableStore['rotate'],
    delete: forward('delete') as SqlTableStore['delete'],
    async close() {
      await store?.close();
    },
    listByUser: forward('listByUser') as SqlTableStore['listByUser'],
    deleteByUser: forward('deleteByUser') as SqlTableStore['deleteByUser'],
    purgeExpired: forward('purgeExpired') as SqlTableStore['purgeExpired'],
    count: forward('count') as SqlTableStore['count'],
    scan: forward('scan') as SqlTableStore['scan'],
  };
}

/** Runs `attempt` again (up to the MySQL store's bound) when InnoDB rolled it back as a deadlock victim. */
async function retried<T>(
  attempt: () => Promise<T>,
  onRetry: ((error: unknown) => void) | undefined,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRetryable(error) || tries >= TRANSACTION_ATTEMPTS) throw error;
      onRetry?.(error);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 10 * tries) + 1));
    }
  }
}

/** The runner as the SQLite table store's client. */
function sqliteClient(runner: OrmRunner, table: string): SqliteClient {
  const sql = sqliteSql(table);
  const outcome = ({ rows, affected }: { rows: readonly Record<string, unknown>[]; affected: number }) => ({
    rows,
    changes: affected,
  });
  const { sync } = runner;
  if (sync !== undefined) {
    /** Runs `call` now, or once the app's own transaction on the connection has ended. */
    const outside = <T>(call: () => T): T | Promise<T> =>
      sync.appTransactionOpen() ? untilNoAppTransaction(sync.appTransactionOpen).then(call) : call();
    return {
      exec: (name: SqliteStatementName, values) => outside(() => outcome(sync.run(sql[name], values))),
      // better-sqlite3 under the ORM: a synchronous BEGIN IMMEDIATE transaction.
      transaction: (steps) =>
        outside(() =>
          sync.immediateTransaction((q) =>
            runStepsSync(steps(), ({ name, values }): SqliteOutcome => outcome(q(sql[name], values))),
          ),
        ),
    };
  }
  return {
    exec: async (name, values) => outcome(await runner.run(sql[name], values)),
    // A deferred transaction whose first statement writes: it holds the write lock from there on.
    transaction: (steps) =>
      runner.transaction(async (q) => {
        await q(sql.writeLock, []);
        return runStepsAsync(steps(), async ({ name, values }) => outcome(await q(sql[name], values)));
      }),
  };
}

/**
 * Resolves once `open()` is false, checking every millisecond: one connection shared with the
 * app cannot run our statement while the app's own transaction is open without joining it.
 * Core's store deadline bounds the wait.
 */
async function untilNoAppTransaction(open: () => boolean): Promise<void> {
  while (open()) await new Promise((resolve) => setTimeout(resolve, 1));
}
