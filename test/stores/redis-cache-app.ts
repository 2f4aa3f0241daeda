/**
 * One app process of the client-side caching revocation test: a node:http server on port 0 whose
 * sessions live in `redisStore({ cache })`. Prints `{"port":N}` once listening.
 *
 * Usage: node --import tsx redis-cache-app.ts <ioredis|node-redis|ioredis-cluster> <prefix>
 * (ioredis-cluster: the nodes in CACHE_APP_CLUSTER_NODES, `host:port,host:port`)
 * Routes: POST /login logs in as `u1`; GET /me answers `in` or `out`; POST /logout destroys the
 * session; GET /stats answers the store's cacheStats() as JSON.
 */
import { createServer } from 'node:http';
import { Cluster, Redis } from 'ioredis';
import { createClient } from 'redis';
import { withSessions } from '../../src/adapters/node.ts';
import { createSessions } from '../../src/index.ts';
import { type RedisClientLike, redisStore } from '../../src/stores/redis.ts';
import { listenAndReport } from '../support/child-app.ts';
import { serviceUrls } from '../support/services.ts';

const [driver = 'ioredis', prefix = 'cc-cache-app:'] = process.argv.slice(2);
function clusterClient(): Cluster {
  const nodes = (process.env.CACHE_APP_CLUSTER_NODES ?? '').split(',').map((address) => {
    const [host = '127.0.0.1', port = '0'] = address.split(':');
    return { host, port: Number(port) };
  });
  return new Cluster(nodes);
}

const client: RedisClientLike =
  driver === 'ioredis'
    ? new Redis(serviceUrls.redis)
    : driver === 'ioredis-cluster'
      ? clusterClient()
      : ((await createClient({ url: serviceUrls.redis }).connect()) as unknown as RedisClientLike);
const store = redisStore({ client, prefix, cache: { maxEntries: 1000 } });
const sessions = createSessions<{ user?: string }>({ store, cookie: { name: 'sid', secure: false } });

const server = createServer(
  withSessions(sessions, async (req, res, session) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/login' && req.method === 'POST') {
      await session.login('u1');
      await session.set('user', 'u1');
      res.end('ok');
    } else if (path === '/me') {
      res.end((await session.get('user')) === undefined ? 'out' : 'in');
    } else if (path === '/logout' && req.method === 'POST') {
      await session.destroy();
      res.end('bye');
    } else if (path === '/stats') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(store.cacheStats()));
    } else {
      res.statusCode = 404;
      res.end();
    }
  }),
);
server.keepAliveTimeout = 30_000;
listenAndReport(server, () => store.close());
