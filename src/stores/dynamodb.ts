/**
 * `coatcheck/stores/dynamodb`: sessions in an Amazon DynamoDB table, for serverless apps and any
 * number of app processes, with no server to run.
 *
 * Every operation a request needs is one strongly consistent single-item request: GetItem for a
 * read, a conditional PutItem for a new session, a conditional UpdateItem for a write or a touch.
 * Rotation and the user limit are built from single-item conditional writes too (a claim on the
 * old key; one index item per user), so the store needs no transactions and runs unchanged on
 * dynalite. `@aws-sdk/client-dynamodb` is an optional peer: bring your own client; its command
 * classes are loaded on the first call.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type {
  NewStoreRecord,
  Store,
  StorePatch,
  StoreRecord,
  StoreRotation,
  StoreTouch,
  UserLimit,
} from '../core/store.ts';
import { admit } from './dynamodb/admission.ts';
import type { DynamoContext } from './dynamodb/context.ts';
import { dynamoDriver, Expression } from './dynamodb/driver.ts';
import { endSession, endUserSessions } from './dynamodb/ending.ts';
import {
  A,
  isForwarder,
  isRecord,
  numberOf,
  recordItem,
  recordOf,
  sessionPk,
  stringOf,
} from './dynamodb/items.ts';
import { checkClient, checkTableName, checkTtlAttribute, DEFAULT_TTL_ATTRIBUTE } from './dynamodb/options.ts';
import { rotateSession } from './dynamodb/rotation.ts';
import { countRecords, purge, scanRecords } from './dynamodb/scan.ts';
import { touchSession, updateSession } from './dynamodb/update.ts';
import { stateOf, userIndex } from './dynamodb/user-index.ts';
import { CONTENTION_TIMEOUT_MS, MAX_HOPS } from './shared/contention.ts';
import { positiveInteger } from './shared/store-options.ts';

export type { DynamoDbSessionTable, DynamoDbSessionTableOptions } from './dynamodb/table.ts';
export { createDynamoDbSessionTable } from './dynamodb/table.ts';

/** Options of {@link dynamoDbStore}. */
export interface DynamoDbStoreOptions {
  /**
   * A `DynamoDBClient` (or the aggregated `DynamoDB` client) from `@aws-sdk/client-dynamodb`,
   * configured with region, credentials and, for a local endpoint, `endpoint`. Left open by
   * `close()`. Give it a request timeout below core's `storeTimeout` (see the docs).
   */
  readonly client: DynamoDBClient;
  /** The sessions table, as created by {@link createDynamoDbSessionTable}. Required. */
  readonly tableName: string;
  /** The attribute the table's TTL is enabled on. Default `'ttl'`. */
  readonly ttlAttribute?: string;
  /**
   * How long (ms) one call keeps retrying while concurrent changes to the same session or user
   * index win (a rotation's claim, parallel logins at the limit) before it fails with
   * `ConflictError`; a third of it is how long a rotation's claim on the old key holds. Default
   * 1 500, under core's 2 s `storeTimeout`; raise both only for a slow local stand-in such as
   * dynalite, which serves one request at a time.
   */
  readonly contentionTimeoutMs?: number;
}

/** A DynamoDB store: the required methods plus every optional capability. */
export type DynamoDbStore = Store &
  Required<Pick<Store, 'listByUser' | 'deleteByUser' | 'purgeExpired' | 'count' | 'scan'>>;

/**
 * Creates a store on a DynamoDB table (see {@link createDynamoDbSessionTable} for its shape).
 *
 * What each answer means:
 * - **not found** (`get` → `undefined`, `update`/`touch` → `false`, `rotate` → `'gone'`): no item
 *   at the key, or a rotated-away key whose window has passed. Reads are strongly consistent, so
 *   a session deleted by any process is not found by any other afterwards.
 * - **expired**: `get` returns the record as it is when its `expiresAt` has passed but DynamoDB's
 *   TTL (which deletes within days, not on the second) has not removed it yet
 *   (`reportsExpired: true`); core reports the expiry and deletes it. `update`, `touch`, `rotate`
 *   and `create` judge liveness by the app's clock in their conditions, never by TTL.
 * - **error**: anything the SDK throws (network, throttling after the SDK's own retries,
 *   permissions, a missing table), and `ConflictError` (`COATCHECK_CONFLICT`) when concurrent
 *   changes to one session or one user's index kept winning for `contentionTimeoutMs`. Core turns any rejection
 *   into `StoreUnavailableError` (503). Each call is either done or not: every write is one
 *   conditional single-item request, and multi-item operations are ordered so that an
 *   interruption leaves nothing live that should not be (see docs/stores/dynamodb.md).
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) naming `client`, `tableName`, `ttlAttribute` or
 *   `contentionTimeoutMs` when one is invalid.
 * @example
 * const client = new DynamoDBClient({ region: 'eu-west-1' });
 * const sessions = createSessions({ store: dynamoDbStore({ client, tableName: 'sessions' }) });
 */
export function dynamoDbStore(options: DynamoDbStoreOptions): DynamoDbStore {
  const client = checkClient(options.client);
  const tableName = checkTableName('dynamoDbStore', options.tableName);
  const ttlAttribute = checkTtlAttribute(options.ttlAttribute ?? DEFAULT_TTL_ATTRIBUTE, [
    'pk',
    ...Object.values(A),
  ]);
  const driver = dynamoDriver(client, tableName);
  const contentionMs = positiveInteger(
    'dynamoDbStore',
    'contentionTimeoutMs',
    options.contentionTimeoutMs ?? CONTENTION_TIMEOUT_MS,
  );
  const context: DynamoContext = {
    driver,
    ttlAttribute,
    index: userIndex(driver),
    contentionMs,
    claimMs: Math.max(100, Math.round(contentionMs / 3)),
  };

  return {
    name: 'dynamodb',
    reportsExpired: true,
    async get(key): Promise<StoreRecord | undefined> {
      let hop = key;
      for (let seen = 0; seen < MAX_HOPS; seen++) {
        const item = await driver.get(sessionPk(hop));
        if (isRecord(item)) return recordOf(item);
        if (!isForwarder(item) || !((numberOf(item, A.readableUntil) ?? 0) > Date.now())) return undefined;
        hop = stringOf(item, A.successor) ?? '';
      }
      return undefined;
    },
    async create(key, record: NewStoreRecord, limit?: UserLimit) {
      const e = new Expression();
      const now = e.number(Date.now());
      // Free: no item, an expired record, or a forwarder whose window has passed.
      const condition = `attribute_not_exists(pk) OR ${e.name(A.expires)} <= ${now} OR ${e.name(A.forwardUntil)} <= ${now}`;
      if (!(await driver.put(recordItem(key, record, ttlAttribute), e, condition))) return false;
      const { userId } = record;
      if (userId === null || record.expiresAt <= Date.now()) return true;
      try {
        if (limit === undefined) await context.index.add(userId, key);
        else if ((await admit(context, userId, key, limit)) === 'limit') {
          await driver.delete(sessionPk(key));
          return 'limit';
        }
      } catch (error) {
        // Never leave a live session its owner's index does not know of (deleteByUser would miss it).
        await driver.delete(sessionPk(key)).catch(() => undefined);
        throw error;
      }
      return true;
    },
    update(key, patch: StorePatch) {
      return updateSession(context, key, patch);
    },
    touch(key, window: StoreTouch) {
      return touchSession(context, key, window);
    },
    rotate(oldKey, newKey, rotation: StoreRotation) {
      return rotateSession(context, oldKey, newKey, rotation);
    },
    delete(key) {
      return endSession(context, key);
    },
    async close() {},
    async listByUser(userId) {
      const members = await context.index.members(userId);
      const keys = members.map((member) => member.key);
      const items = await driver.batchGet(keys.map(sessionPk));
      const now = Date.now();
      const entries = [];
      for (const key of keys) {
        const item = items.get(sessionPk(key));
        if (isRecord(item) && stringOf(item, A.user) === userId && (numberOf(item, A.expires) ?? 0) > now) {
          entries.push({ key, record: recordOf(item) });
        }
      }
      // What the reads showed decides the pruning; no second read.
      await context.index.prune(
        userId,
        members,
        new Map(keys.map((key) => [key, stateOf(items.get(sessionPk(key)), now)])),
      );
      return entries;
    },
    deleteByUser(userId, exceptKey) {
      return endUserSessions(context, userId, exceptKey);
    },
    purgeExpired() {
      return purge(context);
    },
    count() {
      return countRecords(context);
    },
    scan(scanOptions) {
      return scanRecords(context, scanOptions);
    },
  };
}
