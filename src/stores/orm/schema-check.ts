/**
 * The start-up check of the ORM stores: the session table is the app's (its migrations create
 * it), so before the first call the store reads the database catalog and compares the table with
 * what its statements need, naming every missing or mismatched piece at once.
 *
 * Needed: the columns of shared/sql-row.ts with a type of the right family (text, JSON, 64-bit
 * integer, boolean) and nullability, the primary key on `key` alone, an index led by `expires_at`
 * (purge) and one led by `user_id` (the user index), and on MySQL/MariaDB a binary collation on
 * the key and user columns (keys and user ids are case-sensitive).
 */
import { ConfigError } from '../../core/errors.ts';
import type { OrmDialect, OrmRun } from './runner.ts';

/** One column as the catalog describes it. */
export interface FoundColumn {
  /** The type as the catalog spells it (`jsonb`, `bigint`, `varchar`, `INTEGER`…). */
  readonly type: string;
  readonly nullable: boolean;
  /** MySQL/MariaDB: the collation of a character column. */
  readonly collation?: string | null;
}

/** The table as found; `undefined` when there is no such table. */
export interface FoundTable {
  readonly columns: ReadonlyMap<string, FoundColumn>;
  readonly primaryKey: readonly string[];
  /** The first column of every index (the primary key's included). */
  readonly indexLeads: ReadonlySet<string>;
}

type Family = 'text' | 'json' | 'bigint' | 'integer' | 'boolean';

/** The columns the statements use: name, type family, nullable. */
const NEEDED: ReadonlyArray<readonly [name: string, family: Family, nullable: boolean]> = [
  ['key', 'text', false],
  ['user_id', 'text', true],
  ['data', 'json', false],
  ['created_at', 'bigint', false],
  ['last_seen_at', 'bigint', false],
  ['expires_at', 'bigint', false],
  ['absolute_expires_at', 'bigint', false],
  ['rev', 'integer', false],
  ['successor', 'text', true],
  ['readable_until', 'bigint', true],
  ['forward_writes', 'boolean', true],
];

/** Catalog type names each family accepts, per dialect (lower case). */
const TYPES: Record<OrmDialect, Record<Family, readonly string[]>> = {
  postgres: {
    text: ['text', 'character varying'],
    // `data || $2::jsonb` and `data - $3::text[]`: json has neither operator.
    json: ['jsonb'],
    bigint: ['bigint'],
    integer: ['integer', 'bigint'],
    boolean: ['boolean'],
  },
  mysql: {
    text: ['varchar', 'char'],
    // MariaDB's JSON is an alias of LONGTEXT (with a json_valid check).
    json: ['json', 'longtext'],
    bigint: ['bigint'],
    integer: ['int', 'bigint'],
    boolean: ['tinyint', 'boolean', 'bit'],
  },
  // SQLite: type affinity from the declared type (https://sqlite.org/datatype3.html#affinity_name_examples).
  sqlite: {
    text: ['text'],
    json: ['text'],
    bigint: ['integer'],
    integer: ['integer'],
    boolean: ['integer', 'numeric'],
  },
};

/** The affinity SQLite gives a declared column type. */
function sqliteAffinity(declared: string): string {
  const type = declared.toUpperCase();
  if (type.includes('INT')) return 'integer';
  if (/CHAR|CLOB|TEXT/.test(type)) return 'text';
  if (type === '' || type.includes('BLOB')) return 'blob';
  if (/REAL|FLOA|DOUB/.test(type)) return 'real';
  return 'numeric';
}

/** Every way `found` falls short of what the store needs, in words; empty when it fits. */
export function tableProblems(dialect: OrmDialect, found: FoundTable | undefined): string[] {
  if (found === undefined) return ['the table does not exist'];
  const problems: string[] = [];
  for (const [name, family, nullable] of NEEDED) {
    const column = found.columns.get(name);
    if (column === undefined) {
      problems.push(`column ${name} is missing`);
      continue;
    }
    const type = dialect === 'sqlite' ? sqliteAffinity(column.type) : column.type.toLowerCase();
    if (!TYPES[dialect][family].includes(type)) {
      problems.push(`column ${name} is ${column.type}, needs ${TYPES[dialect][family].join(' or ')}`);
    }
    if (column.nullable !== nullable) {
      problems.push(`column ${name} must be ${nullable ? 'nullable' : 'NOT NULL'}`);
    }
    const collation = column.collation;
    if (dialect === 'mysql' && family === 'text' && collation && !/_bin$|^binary$/.test(collation)) {
      problems.push(`column ${name} has collation ${collation}, needs a binary one (utf8mb4_bin)`);
    }
  }
  if (found.primaryKey.length !== 1 || found.primaryKey[0] !== 'key') {
    const is = found.primaryKey.length === 0 ? 'none' : `(${found.primaryKey.join(', ')})`;
    problems.push(`the primary key must be (key), is ${is}`);
  }
  for (const lead of ['expires_at', 'user_id']) {
    if (!found.indexLeads.has(lead)) problems.push(`no index on ${lead}`);
  }
  return problems;
}

/** Reads the catalog's description of the table (`schema` only on PostgreSQL). */
export async function describeTable(
  run: OrmRun,
  dialect: OrmDialect,
  table: string,
  schema: string | undefined,
): Promise<FoundTable | undefined> {
  const rows = async (sql: string, values: unknown[]) => (await run(sql, values)).rows;
  const str = (value: unknown) => String(value);
  let columns: readonly Record<string, unknown>[];
  let keys: readonly Record<string, unknown>[];
  let leads: readonly Record<string, unknown>[];
  if (dialect === 'postgres') {
    const where = 'c.relname = $1 AND n.nspname = coalesce($2, current_schema())';
    const from = 'pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace';
    columns = await rows(
      `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type, NOT a.attnotnull AS nullable, NULL AS collation
       FROM ${from} JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       WHERE ${where}`,
      [table, schema ?? null],
    );
    const indexes = `${from} JOIN pg_index i ON i.indrelid = c.oid`;
    keys = await rows(
      `SELECT a.attname AS name FROM ${indexes} JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
       WHERE ${where} AND i.indisprimary`,
      [table, schema ?? null],
    );
    leads = await rows(
      `SELECT a.attname AS name FROM ${indexes} JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
       WHERE ${where}`,
      [table, schema ?? null],
    );
  } else if (dialect === 'mysql') {
    columns = await rows(
      `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, IS_NULLABLE = 'YES' AS nullable, COLLATION_NAME AS collation
       FROM information_schema.columns WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
      [table],
    );
    const statistics =
      'FROM information_schema.statistics WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?';
    keys = await rows(`SELECT COLUMN_NAME AS name ${statistics} AND INDEX_NAME = 'PRIMARY'`, [table]);
    leads = await rows(`SELECT COLUMN_NAME AS name ${statistics} AND SEQ_IN_INDEX = 1`, [table]);
  } else {
    columns = await rows(
      `SELECT name, type, "notnull" = 0 AS nullable, NULL AS collation FROM pragma_table_info(?)`,
      [table],
    );
    keys = await rows('SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk', [table]);
    leads = await rows(
      `SELECT ii.name AS name FROM pragma_index_list(?) il, pragma_index_info(il.name) ii WHERE ii.seqno = 0`,
      [table],
    );
  }
  if (columns.length === 0) return undefined;
  return {
    columns: new Map(
      columns.map((row) => [
        str(row.name),
        {
          type: str(row.type),
          nullable: Boolean(Number(row.nullable)),
          collation: row.collation as string | null,
        },
      ]),
    ),
    primaryKey: keys.map((row) => str(row.name)),
    indexLeads: new Set(leads.map((row) => str(row.name))),
  };
}

/**
 * Checks the table and says exactly what is missing.
 * @throws ConfigError (`COATCHECK_CONFIG`) listing every problem, and where the table definition is.
 */
export async function checkTable(
  run: OrmRun,
  options: { dialect: OrmDialect; table: string; schema: string | undefined; factory: string; docs: string },
): Promise<void> {
  const { dialect, table, schema, factory } = options;
  const problems = tableProblems(dialect, await describeTable(run, dialect, table, schema));
  if (problems.length === 0) return;
  const where = schema === undefined ? table : `${schema}.${table}`;
  throw new ConfigError(
    `${factory}: the session table ${where} is not what the store needs: ${problems.join('; ')}. Add coatcheck's table to your migrations (${options.docs}) and run them, or pass the table's name in \`table\`.`,
  );
}
