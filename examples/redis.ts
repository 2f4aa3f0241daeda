/**
 * The counter of examples/counter.ts with sessions in Redis, shared by every process that points
 * at the same server. Run with `REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/redis.ts`.
 *
 * The client's `error` event is handled: ioredis emits one on every failed (re)connection, and an
 * `error` event without a listener is reported as unhandled (node-redis crashes the process).
 * While Redis is down, requests get a 503 from coatcheck within `storeTimeout`, and the client
 * reconnects by itself; the log gets one line per distinct failure, not one per retry.
 */
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { withSessions } from '../src/adapters/node.ts';
import { createSessions } from '../src/index.ts';
import { redisStore } from '../src/stores/redis.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const client = new Redis(url, {
  commandTimeout: 2_000, // fail fast when the server stops answering
  maxRetriesPerRequest: 1, // while disconnected, fail a command instead of queueing it for long
});
let lastProblem = '';
client.on('error', (error: Error) => {
  if (error.message === lastProblem) return;
  lastProblem = error.message;
  console.error(`redis: ${error.message} (requests answer 503 until it is back; retrying)`);
});
client.on('ready', () => {
  if (lastProblem !== '') console.error('redis: connected again');
  lastProblem = '';
});

const sessions = createSessions<{ visits: number }>({
  store: redisStore({ client, prefix: 'example:' }),
  // Plain http on localhost: a Secure cookie would not come back from every client, so say so.
  cookie: { secure: false },
});

const server = createServer(
  withSessions(sessions, async (req, res, session) => {
    if (req.url !== '/') {
      res.statusCode = 404; // browsers also ask for /favicon.ico: not a visit
      res.end('not found\n');
      return;
    }
    const visits = ((await session.get('visits')) ?? 0) + 1;
    await session.set('visits', visits);
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(`You have visited ${visits} time${visits === 1 ? '' : 's'} in this session.\n`);
  }),
);

const port = Number(process.env.PORT ?? 3000);
server.listen(port, () => {
  const address = server.address();
  const actual = typeof address === 'object' && address !== null ? address.port : port;
  console.log(
    `coatcheck Redis example listening on http://localhost:${actual} (sessions in ${url.replace(/\/\/[^@/]*@/, '//***@')})`,
  );
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    void sessions.close().then(() => client.quit().finally(() => process.exit(0)));
  });
}
