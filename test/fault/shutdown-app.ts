/**
 * Child process of shutdown.test.ts: an app that serves a round of requests, starts its graceful
 * shutdown while one request is still in flight, and then simply returns. The parent checks that
 * the in-flight request was answered and saved and that this process exits on its own (no
 * --test-force-exit, no process.exit): any timer, socket or pool left open would keep it alive.
 *
 * Usage: node --import tsx test/fault/shutdown-app.ts <store URL>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withSessions } from '../../src/adapters/node.ts';
import { storeKeyFor } from '../../src/core/token.ts';
import { createSessions } from '../../src/index.ts';
import { storeFromUrl } from '../../src/stores/from-url.ts';

const [url = 'memory:'] = process.argv.slice(2);
const store = await storeFromUrl(url, {
  prefix: `shutdown${process.pid}:`,
  table: `cc_shutdown_${process.pid}`,
});
const sessions = createSessions<Record<string, string>>({ store, cookie: { name: 'sid', secure: true } });

let release: () => void = () => undefined;
const gate = new Promise<void>((resolve) => {
  release = resolve;
});
let arrived: () => void = () => undefined;
const waiting = new Promise<void>((resolve) => {
  arrived = resolve;
});

const server = createServer(
  withSessions(sessions, async (req, res, session) => {
    if (req.url === '/slow') {
      await session.load();
      arrived();
      await gate;
      await session.set('late', 'saved');
    } else if (req.url === '/write') {
      await session.set('n', String(Date.now()));
    }
    res.end(JSON.stringify(await session.entries()));
  }),
);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const first = await fetch(`${base}/write`, { method: 'POST' });
const cookie = first.headers.getSetCookie()[0]?.split(';')[0] ?? '';
await first.text();
for (let i = 0; i < 5; i++) await (await fetch(`${base}/read`, { headers: { cookie } })).text();

// Shut down while /slow is in flight: stop accepting, let it finish, then close the sessions.
const slow = fetch(`${base}/slow`, { method: 'POST', headers: { cookie, connection: 'close' } });
await waiting;
const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
server.closeIdleConnections();
setTimeout(release, 100);
const answer = await slow;
const body = await answer.text();
await stopped;
const record = await store.get(storeKeyFor(cookie.slice('sid='.length), ''));
await sessions.close();
console.log(JSON.stringify({ status: answer.status, body, saved: record?.data.late !== undefined }));
