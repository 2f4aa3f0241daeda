import { after } from 'node:test';
import { createDynamoDbSessionTable, dynamoDbStore } from '../../src/stores/dynamodb.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { startDynalite } from '../support/dynalite.ts';

const local = await startDynalite();
after(() => local.close());
const client = local.client();

let tables = 0;
/** A store on a fresh table, so no test sees another's items. */
async function freshStore() {
  tables += 1;
  const tableName = `sessions-${tables}`;
  await createDynamoDbSessionTable(client, { tableName });
  return dynamoDbStore({ client, tableName, contentionTimeoutMs: 20_000 });
}

describeStoreConformance({ name: 'dynamodb', createStore: freshStore });
