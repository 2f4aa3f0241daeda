/**
 * `loadUpgradeSession` on a real node:http server's `upgrade` event: the session of a WebSocket
 * handshake is read (one store call), is read-only, and a foreign Origin is refused (CSWSH).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadUpgradeSession } from '../../src/adapters/node.ts';
import { CoatcheckError, createSessions, type Sessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { countingStore } from '../support/counting-store.ts';
import { cookieOf, logError, observe } from './support.ts';

type Data = { room: string };
const ORIGIN = 'http://app.test';

/** Performs an upgrade handshake; resolves with the status and the first line the server writes after it. */
function upgrade(port: number, headers: Record<string, string>): Promise<{ status: number; line: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      port,
      host: '127.0.0.1',
      headers: { connection: 'Upgrade', upgrade: 'websocket', ...headers },
    });
    req.on('upgrade', (res, socket, head: Buffer) => {
      let text = head.toString('utf8');
      const done = () => {
        resolve({ status: res.statusCode ?? 0, line: text.trim() });
        socket.destroy();
      };
      if (text.includes('\n')) return done();
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.includes('\n')) done();
      });
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, line: '' });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('WebSocket upgrade sessions (node adapter)', () => {
  let sessions: Sessions<Data>;
  let port: number;
  const store = countingStore(memoryStore());
  const server = createServer();
  const seen: string[] = [];
  const sockets: Duplex[] = [];

  before(async () => {
    sessions = createSessions<Data>({ store, cookie: { secure: false, name: 'sid' } });
    observe(sessions);
    server.on('upgrade', async (req: IncomingMessage, socket: Duplex) => {
      sockets.push(socket);
      try {
        const session = await loadUpgradeSession(sessions, req, { expectedOrigin: ORIGIN });
        const user = await session.userId();
        seen.push(Object.keys(session).sort().join(','));
        socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
        socket.write(`user=${user ?? 'anonymous'} room=${(await session.get('room')) ?? '-'}\n`);
      } catch (error) {
        logError(error);
        const status = error instanceof CoatcheckError ? error.status : 500;
        socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    // Upgraded sockets leave the server's bookkeeping: close them ourselves.
    for (const socket of sockets) socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('the handshake sees the logged-in session, with one store read and no write', async () => {
    const s = sessions.load({});
    await s.set('room', 'lobby');
    await s.login('alice');
    const cookie = cookieOf((await sessions.commit(s, { status: 200 })).setCookie);
    store.reset();
    const reply = await upgrade(port, { cookie, origin: ORIGIN });
    assert.equal(reply.status, 101);
    assert.equal(reply.line, 'user=alice room=lobby');
    assert.equal(store.calls.get('get'), 1);
    assert.equal(store.total(), 1, 'read-only: no update, touch or create');
  });

  it('the session handed to the upgrade handler has no write methods', () => {
    const keys = seen.at(-1)?.split(',') ?? [];
    for (const name of ['set', 'delete', 'login', 'destroy', 'rotate', 'clear'])
      assert.ok(!keys.includes(name), name);
    assert.ok(keys.includes('get') && keys.includes('userId'));
  });

  it('no cookie gives an anonymous session', async () => {
    const reply = await upgrade(port, { origin: ORIGIN });
    assert.equal(reply.line, 'user=anonymous room=-');
  });

  it('a foreign Origin is refused with 403 before any store call (cross-site WebSocket hijacking)', async () => {
    store.reset();
    const reply = await upgrade(port, { origin: 'http://evil.test', cookie: 'sid=whatever' });
    assert.equal(reply.status, 403);
    assert.equal(store.total(), 0);
  });
});
