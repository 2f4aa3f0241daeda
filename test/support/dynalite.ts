/**
 * dynalite, the DynamoDB implementation on LevelDB that the DynamoDB store is tested against,
 * started as a child process on a free loopback port with its in-memory backend (memory-level: no
 * native build, nothing on disk). It speaks DynamoDB's HTTP API, so the store talks to it through
 * a real `DynamoDBClient` over real sockets. A child, not in-process: dynalite serves one request
 * at a time on its own event loop, and the SDK's per-request work in the test process then runs
 * beside it instead of queueing with it.
 *
 * What dynalite lacks (checked in `test/stores/dynamodb.test.ts`): TransactWriteItems /
 * TransactGetItems and UpdateTimeToLive answer `UnknownOperationException`, and it never deletes
 * items by TTL. The store uses neither transactions nor TTL for correctness.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbSessionTable } from '../../src/stores/dynamodb.ts';

/** A running dynalite. */
export interface Dynalite {
  readonly endpoint: string;
  /** A fresh client for this endpoint (fake credentials; dynalite checks none). */
  client(): DynamoDBClient;
  close(): Promise<void>;
}

// Tables become ACTIVE at once; the child exits when its stdin closes, so it never outlives the test.
const SERVER = `
const server = require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/** Starts dynalite on 127.0.0.1 and a free port. */
export async function startDynalite(): Promise<Dynalite> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SERVER], {
    cwd: new URL('../..', import.meta.url),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.stdout?.once('end', () => reject(new Error('dynalite closed its stdout before listening')));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code} before listening`)));
  });
  // Neither the child nor its pipes keep this process alive: a test file that never calls
  // close() still exits, and closing stdin then stops the child.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  return {
    endpoint,
    client() {
      const client = new DynamoDBClient({
        endpoint,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin?.end();
      await exited;
    },
  };
}

let tables = 0;
/** Creates a table no other test uses (with `createDynamoDbSessionTable`); returns its name. */
export async function freshTable(client: DynamoDBClient, ttlAttribute?: string): Promise<string> {
  tables += 1;
  const tableName = `sessions-${process.pid}-${tables}`;
  await createDynamoDbSessionTable(client, { tableName, ...(ttlAttribute ? { ttlAttribute } : {}) });
  return tableName;
}

/**
 * Records the name of every request `client` sends from now on (`'GetItem'`, `'PutItem'`, …), in
 * the order sent: the middleware sees each real request, after the SDK built it.
 */
export function countRequests(client: DynamoDBClient): string[] {
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'coatcheckCountRequests' },
  );
  return sent;
}
