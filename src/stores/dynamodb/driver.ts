/**
 * The DynamoDB calls the store makes, on the client the user passed in.
 *
 * Only types are imported from `@aws-sdk/client-dynamodb` at the top: the command classes are
 * loaded with a dynamic `import()` on the first call, so importing `coatcheck/stores/dynamodb`
 * loads no SDK (a bundler still sees the specifier and bundles it). Every read is strongly
 * consistent: an eventually consistent read could return a session that a logout already deleted.
 * A condition that does not hold is an answer (`false`), not an error; anything else the SDK
 * throws (throttling after its own retries, network, validation) propagates, and core turns it
 * into `StoreUnavailableError`.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One DynamoDB item: attribute name → value. */
export type Item = Record<string, AttributeValue>;

type Sdk = typeof import('@aws-sdk/client-dynamodb');

let sdk: Promise<Sdk> | undefined;
/** The SDK module, loaded once, on first use. */
function loadSdk(): Promise<Sdk> {
  sdk ??= import('@aws-sdk/client-dynamodb').catch((error: unknown) => {
    sdk = undefined;
    throw error;
  });
  return sdk;
}

/**
 * Placeholders for one request's expressions. Every attribute name goes through `#n` (DynamoDB
 * reserves hundreds of words, `TTL` among them) and every value through `:v`.
 */
export class Expression {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, AttributeValue> = {};
  readonly #byName = new Map<string, string>();
  #values = 0;

  /** The placeholder of attribute (or map key) `attribute`. */
  name(attribute: string): string {
    let placeholder = this.#byName.get(attribute);
    if (placeholder === undefined) {
      placeholder = `#${this.#byName.size.toString(36)}`;
      this.#byName.set(attribute, placeholder);
      this.names[placeholder] = attribute;
    }
    return placeholder;
  }

  /** The placeholder of a new value. */
  value(value: AttributeValue): string {
    const placeholder = `:${(this.#values++).toString(36)}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** A number value. */
  number(value: number): string {
    return this.value({ N: String(value) });
  }

  /** A string value. */
  string(value: string): string {
    return this.value({ S: value });
  }

  /** `ExpressionAttributeNames` / `ExpressionAttributeValues`, leaving out empty ones. */
  params(): {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, AttributeValue>;
  } {
    return {
      ...(this.#byName.size > 0 ? { ExpressionAttributeNames: this.names } : {}),
      ...(this.#values > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

/** An UpdateItem: its expression, optional condition, and what to return. */
export interface UpdateRequest {
  readonly expression: Expression;
  readonly update: string;
  readonly condition?: string | undefined;
  readonly returnValues?: 'ALL_NEW' | 'ALL_OLD' | 'UPDATED_OLD' | 'NONE';
}

function conditionFailed(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}

/** Most keys in one BatchGetItem. */
const BATCH_GET_MAX = 100;

/** Requests one BatchGetItem chunk may take to read all its keys. */
const BATCH_GET_TRIES = 8;

/** The calls on one table. */
export interface DynamoDriver {
  readonly client: DynamoDBClient;
  readonly table: string;
  /** The item at `pk` (strongly consistent), or `undefined`. */
  get(pk: string): Promise<Item | undefined>;
  /** Puts `item` when `condition` holds (always when none is given); `false` when it does not. */
  put(item: Item, expression?: Expression, condition?: string): Promise<boolean>;
  /** Updates `pk` when the condition holds: the attributes asked for (`{}` for NONE), or `false`. */
  update(pk: string, request: UpdateRequest): Promise<Item | false>;
  /** Deletes `pk` when the condition holds: the old item (`undefined` when there was none), or `false`. */
  delete(pk: string, expression?: Expression, condition?: string): Promise<Item | undefined | false>;
  /** The items at `pks` that exist (strongly consistent), by pk; retries unprocessed keys. */
  batchGet(pks: readonly string[]): Promise<Map<string, Item>>;
  /** One Scan page from `startKey`: items and where to resume (`undefined` at the end). */
  scan(options: ScanRequest): Promise<{ items: Item[]; next: string | undefined }>;
}

/** One Scan page request. */
export interface ScanRequest {
  readonly start?: string | undefined;
  readonly limit?: number | undefined;
  readonly expression?: Expression | undefined;
  readonly filter?: string | undefined;
}

/** Builds the driver for `table` on `client`. */
export function dynamoDriver(client: DynamoDBClient, table: string): DynamoDriver {
  const key = (pk: string) => ({ pk: { S: pk } });
  return {
    client,
    table,
    async get(pk) {
      const { GetItemCommand } = await loadSdk();
      const out = await client.send(
        new GetItemCommand({ TableName: table, Key: key(pk), ConsistentRead: true }),
      );
      return out.Item;
    },
    async put(item, expression, condition) {
      const { PutItemCommand } = await loadSdk();
      try {
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: item,
            ...(condition === undefined ? {} : { ConditionExpression: condition }),
            ...expression?.params(),
          }),
        );
        return true;
      } catch (error) {
        if (conditionFailed(error)) return false;
        throw error;
      }
    },
    async update(pk, request) {
      const { UpdateItemCommand } = await loadSdk();
      try {
        const out = await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key(pk),
            UpdateExpression: request.update,
            ...(request.condition === undefined ? {} : { ConditionExpression: request.condition }),
            ReturnValues: request.returnValues ?? 'NONE',
            ...request.expression.params(),
          }),
        );
        return out.Attributes ?? {};
      } catch (error) {
        if (conditionFailed(error)) return false;
        throw error;
      }
    },
    async delete(pk, expression, condition) {
      const { DeleteItemCommand } = await loadSdk();
      try {
        const out = await client.send(
          new DeleteItemCommand({
            TableName: table,
            Key: key(pk),
            ReturnValues: 'ALL_OLD',
            ...(condition === undefined ? {} : { ConditionExpression: condition }),
            ...expression?.params(),
          }),
        );
        return out.Attributes;
      } catch (error) {
        if (conditionFailed(error)) return false;
        throw error;
      }
    },
    async batchGet(pks) {
      const { BatchGetItemCommand } = await loadSdk();
      const found = new Map<string, Item>();
      const unique = [...new Set(pks)];
      const chunks: string[][] = [];
      for (let i = 0; i < unique.length; i += BATCH_GET_MAX) chunks.push(unique.slice(i, i + BATCH_GET_MAX));
      await Promise.all(
        chunks.map(async (chunk) => {
          let keys = chunk.map(key);
          for (let attempt = 0; keys.length > 0; attempt++) {
            // Unprocessed keys mean throttling: retry them a bounded number of times.
            if (attempt >= BATCH_GET_TRIES)
              throw new Error('dynamoDbStore: BatchGetItem kept leaving keys unprocessed');
            if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 ** attempt)));
            const out = await client.send(
              new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }),
            );
            for (const item of out.Responses?.[table] ?? []) {
              const pk = item.pk?.S;
              if (pk !== undefined) found.set(pk, item);
            }
            keys = (out.UnprocessedKeys?.[table]?.Keys ?? []) as typeof keys;
          }
        }),
      );
      return found;
    },
    async scan({ start, limit, expression, filter }) {
      const { ScanCommand } = await loadSdk();
      const out = await client.send(
        new ScanCommand({
          TableName: table,
          ConsistentRead: true,
          ...(start === undefined ? {} : { ExclusiveStartKey: key(start) }),
          ...(limit === undefined ? {} : { Limit: limit }),
          ...(filter === undefined ? {} : { FilterExpression: filter }),
          ...expression?.params(),
        }),
      );
      return { items: out.Items ?? [], next: out.LastEvaluatedKey?.pk?.S };
    },
  };
}
