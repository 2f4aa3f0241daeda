/** Validation of the DynamoDB store's options, shared by the store and the table helper. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../../core/errors.ts';

/** The TTL attribute used when none is named. */
export const DEFAULT_TTL_ATTRIBUTE = 'ttl';

/** DynamoDB's table-name rule. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/**
 * Returns `name` when it is a valid DynamoDB table name.
 * @throws ConfigError (`COATCHECK_CONFIG`) naming `tableName` otherwise.
 */
export function checkTableName(caller: string, name: unknown): string {
  if (typeof name !== 'string' || !TABLE_NAME.test(name)) {
    throw new ConfigError(
      `${caller}: tableName must be 3-255 of A-Z a-z 0-9 _ . - (got ${typeof name === 'string' ? JSON.stringify(name.slice(0, 80)) : typeof name}).`,
    );
  }
  return name;
}

/**
 * Returns `name` when it can be the TTL attribute: a non-empty name that is none of the store's own.
 * @throws ConfigError (`COATCHECK_CONFIG`) naming `ttlAttribute` otherwise.
 */
export function checkTtlAttribute(name: unknown, taken: readonly string[]): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || taken.includes(name)) {
    throw new ConfigError(
      `dynamoDbStore: ttlAttribute must be a non-empty attribute name other than ${taken.join(', ')} (got ${JSON.stringify(name)}).`,
    );
  }
  return name;
}

/**
 * Returns `client` when it can send commands (a `DynamoDBClient`, or the aggregated `DynamoDB`).
 * @throws ConfigError (`COATCHECK_CONFIG`) naming `client` otherwise.
 */
export function checkClient(client: unknown): DynamoDBClient {
  if (typeof (client as { send?: unknown } | null)?.send !== 'function') {
    throw new ConfigError(
      'dynamoDbStore: client must be a DynamoDBClient from @aws-sdk/client-dynamodb (new DynamoDBClient({ region })).',
    );
  }
  return client as DynamoDBClient;
}
