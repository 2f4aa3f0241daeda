/**
 * Validation and quoting of the SQL identifiers (schema and table names) a user may configure.
 *
 * Identifiers cannot be bound as query parameters, so they are spliced into SQL text. Only plain
 * names are accepted (a letter or underscore, then letters, digits or underscores), and they are
 * quoted anyway so that reserved words and mixed case work.
 */
import { ConfigError } from '../../core/errors.ts';

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Returns `value` when it is a plain SQL identifier of at most `maxLength` characters.
 * @throws ConfigError (`COATCHECK_CONFIG`) naming `option` and the rule otherwise.
 */
export function validateIdentifier(store: string, option: string, value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || !PLAIN_IDENTIFIER.test(value) || value.length > maxLength) {
    throw new ConfigError(
      `${store}: ${option} must be a plain SQL identifier (a letter or underscore, then letters, digits or underscores, at most ${maxLength} characters), got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

/** A validated identifier quoted for PostgreSQL (`"name"`). */
export function quotePostgres(identifier: string): string {
  return `"${identifier}"`;
}

/** A validated identifier quoted for MySQL and MariaDB (`` `name` ``). */
export function quoteMysql(identifier: string): string {
  return `\`${identifier}\``;
}
