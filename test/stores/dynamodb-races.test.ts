/**
 * The DynamoDB store's multi-item operations racing each other on dynalite, with the interleaving
 * forced: a middleware on the rotating process's client holds one of its requests (the claim's
 * put of the new item, the index add, the forward) while another "process" (a second store on its
 * own client, same table) deletes, revokes or writes. Every gap of the rotation protocol is tried,
 * and the user limit is raced from three clients at once.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDbStore, dynamoDbStore } from '../../src/stores/dynamodb.ts';
import { rotationOf } from '../../src/testing/conformance-rotation.ts';
import { randomKey, randomUserId, sampleRecord, sleep } from '../../src/testing/records.ts';
import { freshTable, startDynalite } from '../support/dynalite.ts';

const local = await startDynalite();
after(() => local.close());

/** The rotation's requests, as a middleware sees them. */
type Step = 'claim' | 'put' | 'index' | 'forward';

interface Request {
  readonly command: string;
  readonly input: {
    Key?: { pk?: { S?: string } };
    Item?: { pk?: { S?: string } };
    ExpressionAttributeNames?: Record<string, string>;
  };
}

function stepOf({ command, input }: Request, newKey: string): Step | undefined {
  const names = Object.values(input.ExpressionAttributeNames ?? {});
  if (command === 'PutItemCommand' && input.Item?.pk?.S === `s#${newKey}`) return 'put';
  if (command !== 'UpdateItemCommand') return undefined;
  if (input.Key?.pk?.S?.startsWith('u#')) return 'index';
  if (names.includes('fs')) return 'forward';
  if (names.includes('cn') && names.includes('ct') && !names.includes('e')) return undefined; // release
  return names.includes('cn') ? 'claim' : undefined;
}

/** A client whose first request of `step` (for `newKey`) waits for `during` before it is sent. */
function holdingClient(step: Step, newKey: string, during: () => Promise<unknown>): DynamoDBClient {
  const client = local.client();
  let armed = true;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = { command: String(context.commandName), input: args.input as Request['input'] };
      if (armed && stepOf(request, newKey) === step) {
        armed = false;
        await during();
      }
      return next(args);
    },
    { step: 'initialize', name: 'coatcheckHold' },
  );
  return client;
}

/** Two "app processes" on one table: their own clients, their own stores. */
async function twoProcesses(step: Step, newKey: string, during: (other: DynamoDbStore) => Promise<unknown>) {
  const otherClient = local.client();
  const tableName = await freshTable(otherClient);
  const other = dynamoDbStore({ client: otherClient, tableName, contentionTimeoutMs: 20_000 });
  const client = holdingClient(step, newKey, () => during(other));
  return { rotating: dynamoDbStore({ client, tableName, contentionTimeoutMs: 20_000 }), other, otherClient };
}

/** Calls `listener` with every request `client` sends. */
function onRequest(client: DynamoDBClient, listener: (request: Request) => void): void {
  client.middlewareStack.add(
    (next, context) => (args) => {
      listener({ command: String(context.commandName), input: args.input as Request['input'] });
      return next(args);
    },
    { step: 'initialize', name: 'coatcheckListen' },
  );
}

async function isLive(store: DynamoDbStore, key: string): Promise<boolean> {
  const record = await store.get(key);
  return record !== undefined && record.expiresAt > Date.now();
}

const GAPS: Step[] = ['put', 'index', 'forward'];

describe('dynamodb races, interleaving forced', () => {
  for (const step of GAPS) {
    it(`dynamodb: a logout landing just before the rotation's ${step} leaves nothing live`, async () => {
      const user = randomUserId();
      const [oldKey, newKey] = [randomKey(), randomKey()];
      let ended: boolean | undefined;
      const { rotating, other } = await twoProcesses(step, newKey, async (store) => {
        ended = await store.delete(oldKey);
      });
      await other.create(oldKey, sampleRecord({ userId: user }));
      assert.equal(await rotating.rotate(oldKey, newKey, rotationOf({}, user)), 'gone');
      assert.equal(ended, true, 'the logout removed the session');
      for (const key of [oldKey, newKey]) assert.equal(await isLive(other, key), false, `${key} live`);
      assert.deepStrictEqual(await other.listByUser(user), []);
      assert.equal(
        await rotating.update(oldKey, {
          set: { late: '1' },
          del: [],
          lastSeenAt: 1,
          expiresAt: Date.now() + 9e5,
        }),
        false,
      );
    });

    it(`dynamodb: a revocation landing just before the rotation's ${step} leaves nothing of the user live`, async () => {
      const user = randomUserId();
      const [oldKey, newKey] = [randomKey(), randomKey()];
      const { rotating, other } = await twoProcesses(step, newKey, (store) => store.deleteByUser(user));
      await other.create(oldKey, sampleRecord({ userId: user }));
      const outcome = await rotating.rotate(oldKey, newKey, rotationOf({}, user));
      assert.equal(outcome, 'gone');
      for (const key of [oldKey, newKey]) assert.equal(await isLive(other, key), false, `${key} live`);
      assert.deepStrictEqual(await other.listByUser(user), []);
    });
  }

  it('dynamodb: a logout just after the forward ends the rotated session through the forwarder', async () => {
    const [oldKey, newKey] = [randomKey(), randomKey()];
    const other = local.client();
    const tableName = await freshTable(other);
    const store = dynamoDbStore({ client: other, tableName });
    await store.create(oldKey, sampleRecord());
    assert.equal(await store.rotate(oldKey, newKey, rotationOf()), 'rotated');
    assert.equal(await store.delete(oldKey), true);
    assert.equal(await isLive(store, newKey), false);
  });

  it('dynamodb: 50 writes from another process wait out a rotation holding its claim, and all land on the new key', async () => {
    const [oldKey, newKey] = [randomKey(), randomKey()];
    let refused = 0;
    const writes: Promise<boolean>[] = [];
    const { rotating, other, otherClient } = await twoProcesses('put', newKey, async (store) => {
      const now = Date.now();
      for (let i = 0; i < 50; i++) {
        const patch = { set: { [`k${i}`]: String(i) }, del: [], lastSeenAt: now, expiresAt: now + 9e5 };
        writes.push(store.update(oldKey, patch));
      }
      // Hold the rotation (claimed, new item not yet written) until writes have met the claim.
      const deadline = Date.now() + 10_000;
      while (refused < 10 && Date.now() < deadline) await sleep(5);
    });
    // A refused write reads the old item to learn why: count those reads.
    onRequest(otherClient, (request) => {
      if (request.command === 'GetItemCommand' && request.input.Key?.pk?.S === `s#${oldKey}`) refused++;
    });
    await rotating.create(oldKey, sampleRecord({ data: {} }));
    assert.equal(
      await rotating.rotate(oldKey, newKey, rotationOf({ patch: { set: {}, del: [] } })),
      'rotated',
    );
    assert.deepStrictEqual(await Promise.all(writes), Array(50).fill(true));
    assert.ok(refused >= 10, `only ${refused} writes met the claim`);
    const data = (await other.get(newKey))?.data ?? {};
    assert.equal(Object.keys(data).length, 50, 'every write is on the new key');
  });

  it('dynamodb: a write that breaks a lapsed claim makes the rotation start over from the new data', async () => {
    const [oldKey, newKey] = [randomKey(), randomKey()];
    let written: boolean | undefined;
    const other = local.client();
    const tableName = await freshTable(other);
    // The rotator's claim holds 5 000 / 3 ms; it stalls past that before its forward.
    const writer = dynamoDbStore({ client: other, tableName, contentionTimeoutMs: 20_000 });
    const client = holdingClient('forward', newKey, async () => {
      const now = Date.now();
      written = await writer.update(oldKey, {
        set: { late: '1' },
        del: [],
        lastSeenAt: now,
        expiresAt: now + 9e5,
      });
    });
    const rotating = dynamoDbStore({ client, tableName, contentionTimeoutMs: 5_000 });
    await writer.create(oldKey, sampleRecord({ data: { a: '1' } }));
    assert.equal(await rotating.rotate(oldKey, newKey, rotationOf()), 'rotated');
    assert.equal(written, true, 'the write waited for the claim to lapse, then applied');
    const moved = await writer.get(newKey);
    assert.deepStrictEqual({ ...moved?.data }, { a: '1', late: '1', rotated: '"yes"' });
    assert.equal(moved?.rev, 1);
  });

  it('dynamodb: a rotator that dies after claiming blocks writes only until the claim lapses', async () => {
    const [oldKey, newKey, againKey] = [randomKey(), randomKey(), randomKey()];
    let unblock: () => void = () => {};
    const stalled = new Promise<void>((resolve) => {
      unblock = resolve;
    });
    const other = local.client();
    const tableName = await freshTable(other);
    const survivor = dynamoDbStore({ client: other, tableName });
    const client = holdingClient('put', newKey, async () => {
      await stalled;
      throw new Error('the rotating process died');
    });
    const dying = dynamoDbStore({ client, tableName });
    await survivor.create(oldKey, sampleRecord({ data: {} }));
    const rotation = dying.rotate(oldKey, newKey, rotationOf());
    const claimed = Date.now();
    await sleep(50);
    const now = Date.now();
    assert.equal(
      await survivor.update(oldKey, { set: { b: '2' }, del: [], lastSeenAt: now, expiresAt: now + 9e5 }),
      true,
    );
    assert.ok(Date.now() - claimed >= 400, 'the write waited for the claim');
    assert.equal(await survivor.rotate(oldKey, againKey, rotationOf()), 'rotated');
    assert.deepStrictEqual({ ...(await survivor.get(againKey))?.data }, { b: '2', rotated: '"yes"' });
    unblock();
    await assert.rejects(rotation, /died/);
    assert.equal(await survivor.get(newKey), undefined, 'the dead rotation wrote nothing');
  });

  it('dynamodb: a claim set by a clock far ahead does not block writes for its whole span', async () => {
    const client = local.client();
    const tableName = await freshTable(client);
    const store = dynamoDbStore({ client, tableName });
    const key = randomKey();
    await store.create(key, sampleRecord({ data: {} }));
    // What a rotator whose clock runs ten minutes ahead would leave behind if it died.
    const { UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: `s#${key}` } },
        UpdateExpression: 'SET cn = :n, ct = :t',
        ExpressionAttributeValues: { ':n': { S: randomKey() }, ':t': { N: String(Date.now() + 600_000) } },
      }),
    );
    const started = Date.now();
    const now = Date.now();
    assert.equal(
      await store.update(key, { set: { a: '1' }, del: [], lastSeenAt: now, expiresAt: now + 9e5 }),
      true,
    );
    assert.ok(Date.now() - started < 1_000, 'the write did not wait for the skewed claim');
    assert.equal(await store.rotate(key, randomKey(), rotationOf()), 'rotated');
  });

  it('dynamodb: 50 logins from three processes at a limit of 5 (reject): exactly 5 succeed', async () => {
    const first = local.client();
    const tableName = await freshTable(first);
    const stores = [first, local.client(), local.client()].map((client) =>
      dynamoDbStore({ client, tableName, contentionTimeoutMs: 20_000 }),
    );
    const user = randomUserId();
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        stores[i % 3]!.create(randomKey(), sampleRecord({ userId: user }), { max: 5, onLimit: 'reject' }),
      ),
    );
    assert.equal(outcomes.filter((o) => o === true).length, 5, outcomes.join(','));
    assert.equal(outcomes.filter((o) => o === 'limit').length, 45);
    assert.equal((await stores[1]!.listByUser(user)).length, 5);
    assert.equal(await stores[2]!.count(), 5, 'refused logins left no record behind');
  });

  it('dynamodb: 50 logins from three processes at a limit of 5 (evictOldest): all succeed, at most 5 stay live', async () => {
    const first = local.client();
    const tableName = await freshTable(first);
    const stores = [first, local.client(), local.client()].map((client) =>
      dynamoDbStore({ client, tableName, contentionTimeoutMs: 20_000 }),
    );
    const user = randomUserId();
    const keys = Array.from({ length: 50 }, () => randomKey());
    const outcomes = await Promise.all(
      keys.map((key, i) =>
        stores[i % 3]!.create(key, sampleRecord({ userId: user }), { max: 5, onLimit: 'evictOldest' }),
      ),
    );
    assert.deepStrictEqual(outcomes, Array(50).fill(true));
    const live = (await Promise.all(keys.map((key) => isLive(stores[0]!, key)))).filter(Boolean).length;
    assert.ok(live >= 1 && live <= 5, `${live} live`);
    assert.equal((await stores[1]!.listByUser(user)).length, live);
  });
});
