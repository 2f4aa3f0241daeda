/**
 * DynamoDB store on dynalite (a DynamoDB implementation, started by the test as a child process on
 * a loopback port): the conformance suite, then what is specific to DynamoDB: what dynalite lacks,
 * the table helper, options, the item layout (TTL attribute, forwarders), round trips per
 * operation, large patches, and the user index's pruning. The races are in dynamodb-races.test.ts.
 *
 * `contentionTimeoutMs: 20_000` throughout: dynalite serves one request at a time, and on a busy
 * test machine the suite's 50-way races take seconds there (real DynamoDB serves them in parallel).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DescribeTableCommand, GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { ErrorCodes } from '../../src/core/errors.ts';
import {
  createDynamoDbSessionTable,
  type DynamoDbStoreOptions,
  dynamoDbStore,
} from '../../src/stores/dynamodb.ts';
import { storeFromUrl } from '../../src/stores/from-url.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { rotationOf } from '../../src/testing/conformance-rotation.ts';
import { randomKey, randomUserId, sampleRecord } from '../../src/testing/records.ts';
import { runCli } from '../cli/run-cli.ts';
import { countRequests, freshTable, startDynalite } from '../support/dynalite.ts';

const local = await startDynalite();
after(() => local.close());
const client = local.client();

async function freshStore(options: Partial<DynamoDbStoreOptions> = {}) {
  const tableName = await freshTable(client, options.ttlAttribute);
  return dynamoDbStore({ client, tableName, contentionTimeoutMs: 20_000, ...options });
}

describeStoreConformance({ name: 'dynamodb', createStore: () => freshStore() });

const isCode = (code: string, pattern: RegExp) => (error: { code?: string; message?: string }) =>
  error.code === code && pattern.test(error.message ?? '');

/** The raw item at `pk` of `tableName`. */
async function rawItem(tableName: string, pk: string) {
  const out = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } } }));
  return out.Item;
}

describe('dynamodb store specifics', () => {
  it('dynamodb: dynalite has no transactions and no UpdateTimeToLive, which is why the store needs neither', async () => {
    const tableName = await freshTable(client);
    await assert.rejects(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: tableName, Item: { pk: { S: 'x' } } } }],
        }),
      ),
      { name: 'UnknownOperationException' },
    );
    const again = await createDynamoDbSessionTable(client, { tableName });
    assert.deepStrictEqual(again, { created: false, timeToLive: 'unsupported' });
  });

  it('dynamodb: createDynamoDbSessionTable makes an on-demand table keyed by pk, and is idempotent', async () => {
    const tableName = `helper-${randomUserId().slice(5, 12)}`;
    assert.deepStrictEqual(await createDynamoDbSessionTable(client, { tableName }), {
      created: true,
      timeToLive: 'unsupported',
    });
    assert.equal((await createDynamoDbSessionTable(client, { tableName })).created, false);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    assert.deepStrictEqual(Table?.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }]);
    assert.equal(Table?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
    assert.equal(Table?.GlobalSecondaryIndexes, undefined, 'no GSI: nothing eventually consistent');
    await assert.rejects(
      createDynamoDbSessionTable(client, { tableName: 'x' }),
      isCode(ErrorCodes.CONFIG, /tableName/),
    );
  });

  it('dynamodb: options are validated, naming the option', () => {
    assert.throws(
      () => dynamoDbStore({ client: {} as never, tableName: 'sessions' }),
      isCode(ErrorCodes.CONFIG, /client/),
    );
    assert.throws(() => dynamoDbStore({ client, tableName: 'a b' }), isCode(ErrorCodes.CONFIG, /tableName/));
    assert.throws(() => dynamoDbStore({ client } as never), isCode(ErrorCodes.CONFIG, /tableName/));
    assert.throws(
      () => dynamoDbStore({ client, tableName: 'sessions', ttlAttribute: 'e' }),
      isCode(ErrorCodes.CONFIG, /ttlAttribute/),
    );
    assert.throws(
      () => dynamoDbStore({ client, tableName: 'sessions', contentionTimeoutMs: 0 }),
      isCode(ErrorCodes.CONFIG, /contentionTimeoutMs/),
    );
  });

  it('dynamodb: items carry the TTL attribute in whole seconds; a forwarder expires at forwardUntil', async () => {
    const table = await freshTable(client, 'expires_on');
    const on = dynamoDbStore({ client, tableName: table, ttlAttribute: 'expires_on' });
    const [key, next] = [randomKey(), randomKey()];
    const record = sampleRecord({ userId: randomUserId(), expiresAt: 1_900_000_000_001 });
    await on.create(key, record);
    let item = await rawItem(table, `s#${key}`);
    assert.equal(item?.expires_on?.N, '1900000001', 'rounded up, never before the deadline');
    assert.equal(item?.ttl, undefined);
    assert.equal(item?.d?.M?._greeting?.S, '"hello"', 'data keys live under d, prefixed');
    await on.touch(key, { lastSeenAt: Date.now(), expiresAt: 1_900_000_005_000 });
    assert.equal((await rawItem(table, `s#${key}`))?.expires_on?.N, '1900000005');
    const rotation = rotationOf({ forwardUntil: 1_900_000_009_500 });
    assert.equal(await on.rotate(key, next, rotation), 'rotated');
    item = await rawItem(table, `s#${key}`);
    assert.equal(item?.expires_on?.N, '1900000010');
    assert.equal(item?.fs?.S, next);
    assert.equal(item?.d, undefined, 'a forwarder keeps no data');
    assert.equal(item?.fo?.S, record.userId, 'nor its owner, for deleteByUser');
  });

  it('dynamodb: round trips per operation (what docs/stores/dynamodb.md promises)', async () => {
    const counting = local.client();
    const tableName = await freshTable(counting);
    const store = dynamoDbStore({ client: counting, tableName });
    const sent = countRequests(counting);
    const cost = async (run: () => Promise<unknown>) => {
      sent.length = 0;
      await run();
      return sent.join(' ');
    };
    const [anon, owned, other, next, login] = Array.from({ length: 5 }, randomKey) as [
      string,
      string,
      string,
      string,
      string,
    ];
    const user = randomUserId();
    const window = { lastSeenAt: Date.now(), expiresAt: Date.now() + 60_000 };
    const patch = { set: { a: '1' }, del: ['greeting'], ...window };
    assert.equal(await cost(() => store.create(anon, sampleRecord())), 'PutItem');
    assert.equal(await cost(() => store.get(anon)), 'GetItem');
    assert.equal(await cost(() => store.update(anon, patch)), 'UpdateItem');
    assert.equal(await cost(() => store.touch(anon, window)), 'UpdateItem');
    assert.equal(await cost(() => store.get(randomKey())), 'GetItem');
    // A user's first session also creates the user's index item.
    assert.equal(
      await cost(() => store.create(owned, sampleRecord({ userId: user }))),
      'PutItem UpdateItem PutItem',
    );
    assert.equal(await cost(() => store.create(other, sampleRecord({ userId: user }))), 'PutItem UpdateItem');
    assert.equal(
      await cost(() =>
        store.create(randomKey(), sampleRecord({ userId: user }), { max: 5, onLimit: 'reject' }),
      ),
      'PutItem UpdateItem',
    );
    assert.equal(
      await cost(() => store.rotate(anon, next, rotationOf({ readableUntil: Date.now() + 60_000 }))),
      'UpdateItem PutItem UpdateItem',
    );
    assert.equal(
      await cost(() => store.get(anon)),
      'GetItem GetItem',
      'the grace window follows the forwarder',
    );
    assert.equal(
      await cost(() => store.rotate(next, login, rotationOf({}, user))),
      'UpdateItem PutItem UpdateItem UpdateItem',
    );
    assert.equal(await cost(() => store.listByUser(user)), 'GetItem BatchGetItem');
    assert.equal(await cost(() => store.delete(other)), 'DeleteItem UpdateItem');
    assert.equal(await cost(() => store.delete(randomKey())), 'DeleteItem');
    // A rotated-away key ends what it moved to: the forwarder, then the session.
    assert.equal(await cost(() => store.delete(anon)), 'DeleteItem DeleteItem DeleteItem UpdateItem');
  });

  it('dynamodb: a patch too large for one 4 KB update expression replaces the data map, conditional on rev', async () => {
    const store = await freshStore();
    const key = randomKey();
    await store.create(key, sampleRecord({ data: { keep: '1', drop: '2' } }));
    const now = Date.now();
    const big = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`key-${i}`, String(i)]));
    const window = { lastSeenAt: now, expiresAt: now + 60_000 };
    const results = await Promise.all([
      store.update(key, { set: big, del: ['drop'], ...window }),
      ...Array.from({ length: 10 }, (_, i) =>
        store.update(key, { set: { [`small-${i}`]: 'x' }, del: [], ...window }),
      ),
    ]);
    assert.deepStrictEqual(results, Array(11).fill(true));
    const record = await store.get(key);
    assert.equal(record?.rev, 12);
    assert.equal(record?.data.keep, '1');
    assert.equal(record?.data.drop, undefined);
    assert.equal(Object.keys(record?.data ?? {}).length, 1 + 400 + 10, 'no write lost');
  });

  it('dynamodb: dangling index members (a record TTL deleted) are pruned; an emptied index item is deleted', async () => {
    const counting = local.client();
    const tableName = await freshTable(counting);
    const store = dynamoDbStore({ client: counting, tableName });
    const user = randomUserId();
    const [kept, vanished] = [randomKey(), randomKey()];
    await store.create(kept, sampleRecord({ userId: user }));
    await store.create(vanished, sampleRecord({ userId: user }));
    // What DynamoDB's TTL does: the record disappears, its index member stays behind.
    const { DeleteItemCommand } = await import('@aws-sdk/client-dynamodb');
    await counting.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: `s#${vanished}` } } }));
    assert.deepStrictEqual(
      (await store.listByUser(user)).map((entry) => entry.key),
      [kept],
    );
    const index = await rawItem(tableName, `u#${user}`);
    assert.deepStrictEqual(Object.keys(index?.m?.M ?? {}), [kept], 'the dangling member was pruned');
    assert.equal(await store.delete(kept), true);
    assert.equal(await rawItem(tableName, `u#${user}`), undefined, 'no empty index item left behind');
    // A full index of dead members does not block a login under the limit.
    for (let i = 0; i < 3; i++)
      await store.create(randomKey(), sampleRecord({ userId: user, expiresAt: Date.now() + 50 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(
      await store.create(randomKey(), sampleRecord({ userId: user }), { max: 3, onLimit: 'reject' }),
      true,
    );
    assert.equal(
      Object.keys((await rawItem(tableName, `u#${user}`))?.m?.M ?? {}).length,
      1,
      'the admission pruned them',
    );
  });

  it('dynamodb: the example in docs/stores/dynamodb.md runs against dynalite', async () => {
    const doc = readFileSync(new URL('../../docs/stores/dynamodb.md', import.meta.url), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const source = (path: string) => `'${new URL(`../../src/${path}`, import.meta.url).href}'`;
    const script = example
      .replaceAll("'coatcheck/stores/dynamodb'", source('stores/dynamodb.ts'))
      .replaceAll("'coatcheck/web'", source('adapters/web.ts'))
      .replaceAll("'coatcheck'", source('index.ts'))
      .replaceAll("'@aws-sdk/client-dynamodb'", `'${import.meta.resolve('@aws-sdk/client-dynamodb')}'`);
    assert.match(script, /dynamoDbStore\(/);
    const dir = mkdtempSync(join(tmpdir(), 'coatcheck-dynamodb-doc-'));
    try {
      writeFileSync(join(dir, 'example.mts'), script);
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--no-warnings', '--import', 'tsx', join(dir, 'example.mts')],
        {
          cwd: fileURLToPath(new URL('../..', import.meta.url)),
          env: { ...process.env, DYNAMODB_ENDPOINT: local.endpoint, AWS_REGION: 'local' },
        },
      );
      assert.equal(stdout.trim(), 'visit 1\nvisit 2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('dynamodb: storeFromUrl(dynamodb://table?region&endpoint) and the CLI work on it', async () => {
    const tableName = await freshTable(client);
    const url = `dynamodb://${tableName}?region=local&endpoint=${encodeURIComponent(local.endpoint)}`;
    const store = await storeFromUrl(url);
    assert.equal(store.name, 'dynamodb');
    const user = randomUserId();
    const [a, b] = [randomKey(), randomKey()];
    assert.equal(await store.create(a, sampleRecord({ userId: user }), { max: 1, onLimit: 'reject' }), true);
    assert.equal(
      await store.create(b, sampleRecord({ userId: user }), { max: 1, onLimit: 'reject' }),
      'limit',
    );
    assert.equal(await store.rotate(a, b, rotationOf({}, user)), 'rotated');
    assert.equal((await store.scan?.({ limit: 10 }))?.entries.length, 1);
    await store.close();
    const stats = await runCli(['stats', '--store', url, '--json']);
    assert.equal(stats.code, 0, stats.stderr);
    assert.equal((JSON.parse(stats.stdout) as { count: number }).count, 1);
    await assert.rejects(
      storeFromUrl('dynamodb://?region=local'),
      isCode(ErrorCodes.CONFIG, /names no table/),
    );
  });
});
