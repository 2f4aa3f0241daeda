/**
 * One app process of the multi-process test: a node:http server on port 0 whose sessions live in
 * the store named on the command line. Prints `{"port":N}` once listening.
 *
 * Usage: node --import tsx postgres-multiprocess-app.ts <store-url> <table> [cache]
 * With `cache`, the store is cache(memory → <store-url>) with Redis pub/sub invalidation.
 *
 * Routes: GET /write?k=NAME writes `NAME = 1` into the session (creating it when there is none);
 * GET /read answers the session's keys as a JSON array.
 */
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { withSessions } from '../../src/adapters/node.ts';
import type { Store } from '../../src/core/store.ts';
import { createSessions } from '../../src/index.ts';
import { cacheStore } from '../../src/stores/cache.ts';
import { storeFromUrl } from '../../src/stores/from-url.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { listenAndReport } from '../support/child-app.ts';
import { serviceUrls } from '../support/services.ts';

const [url = '', table = '', mode] = process.argv.slice(2);
const back = await storeFromUrl(url, { table });
let store: Store = back;
if (mode === 'cache') {
  store = cacheStore({
    front: memoryStore(),
    back,
    cacheTtlMs: 1000,
    invalidation: {
      publisher: new Redis(serviceUrls.redis),
      subscriber: new Redis(serviceUrls.redis),
      channel: `cc:mp:${table}`,
    },
  });
}
const sessions = createSessions<Record<string, number>>({ store, cookie: { name: 'sid', secure: false } });

const server = createServer(
  withSessions(sessions, async (req, res, session) => {
    const requestUrl = new URL(req.url ?? '/', 'http://localhost');
    if (requestUrl.pathname === '/write') {
      await session.set(requestUrl.searchParams.get('k') ?? 'none', 1);
      res.end('ok');
      return;
    }
    if (requestUrl.pathname === '/read') {
      const keys = Object.keys(await session.entries());
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(keys));
      return;
    }
    res.statusCode = 404;
    res.end();
  }),
);
listenAndReport(server, () => store.close());
