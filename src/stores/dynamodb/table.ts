/**
 * Creating the sessions table: for tests, local development and first deploys. Infrastructure
 * code (CloudFormation, CDK, Terraform) can create the same table instead: see
 * docs/stores/dynamodb.md for the definition.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../../core/errors.ts';
import { checkTableName, DEFAULT_TTL_ATTRIBUTE } from './options.ts';

/** Options of {@link createDynamoDbSessionTable}. */
export interface DynamoDbSessionTableOptions {
  /** The table to create (3–255 of `A-Z a-z 0-9 _ . -`). Required. */
  readonly tableName: string;
  /** The attribute DynamoDB's TTL deletes expired items by. Default `'ttl'`; must match the store's. */
  readonly ttlAttribute?: string;
  /** How long (ms) to wait for the table to become ACTIVE. Default 60 000. */
  readonly waitMs?: number;
}

/** What {@link createDynamoDbSessionTable} did. */
export interface DynamoDbSessionTable {
  /** `true` when this call created the table; `false` when it already existed. */
  readonly created: boolean;
  /**
   * `'enabled'` when TTL is on for the attribute (or being enabled); `'unsupported'` when the
   * endpoint does not implement `UpdateTimeToLive` (dynalite): expired items then stay until
   * `purgeExpired()`, and sessions still expire on time because every read checks `expiresAt`.
   */
  readonly timeToLive: 'enabled' | 'unsupported';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function errorName(error: unknown): unknown {
  return (error as { name?: unknown } | null)?.name;
}

/**
 * Creates the sessions table if it does not exist: partition key `pk` (string), no sort key,
 * on-demand capacity (`PAY_PER_REQUEST`), and TTL on `ttlAttribute`; then waits until it is
 * ACTIVE. Idempotent: an existing table is left as it is and only its TTL is switched on.
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) when `tableName` is invalid, or when the table's TTL is
 *   already enabled on another attribute (DynamoDB allows one).
 * @throws whatever the SDK throws for other failures (credentials, network, permissions).
 * @example
 * const client = new DynamoDBClient({ region: 'eu-west-1' });
 * await createDynamoDbSessionTable(client, { tableName: 'sessions' });
 */
export async function createDynamoDbSessionTable(
  client: DynamoDBClient,
  options: DynamoDbSessionTableOptions,
): Promise<DynamoDbSessionTable> {
  const tableName = checkTableName('createDynamoDbSessionTable', options.tableName);
  const ttlAttribute = options.ttlAttribute ?? DEFAULT_TTL_ATTRIBUTE;
  const sdk = await import('@aws-sdk/client-dynamodb');
  let created = true;
  try {
    await client.send(
      new sdk.CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error;
    created = false;
  }
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  for (;;) {
    const { Table } = await client.send(new sdk.DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    if (Date.now() > deadline) throw new Error(`createDynamoDbSessionTable: ${tableName} is not ACTIVE yet`);
    await sleep(250);
  }
  const { TimeToLiveDescription: ttl } = await client.send(
    new sdk.DescribeTimeToLiveCommand({ TableName: tableName }),
  );
  const status = ttl?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') {
    if (ttl?.AttributeName === ttlAttribute) return { created, timeToLive: 'enabled' };
    throw new ConfigError(
      `createDynamoDbSessionTable: ${tableName} has TTL on "${ttl?.AttributeName}", not "${ttlAttribute}"; pass ttlAttribute: ${JSON.stringify(ttl?.AttributeName)} to the helper and to dynamoDbStore.`,
    );
  }
  try {
    await client.send(
      new sdk.UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
      }),
    );
    return { created, timeToLive: 'enabled' };
  } catch (error) {
    if (errorName(error) === 'UnknownOperationException') return { created, timeToLive: 'unsupported' };
    throw error;
  }
}
