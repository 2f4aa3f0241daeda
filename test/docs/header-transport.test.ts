/**
 * What the README says of the header transport, checked over HTTP: with `header: 'authorization'`
 * alone a new client (no ticket yet) gets a cookie; a client that presented its ticket in the
 * header gets a new one in `X-Session-Token`, never a cookie; `cookie: false` makes every new
 * ticket go out in `X-Session-Token`.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { withSessions } from '../../src/adapters/node.ts';
import { createSessions, type SessionsOptions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { request, serve } from '../compat/support.ts';

/** POST /login logs in as ann; GET / says who the session belongs to. */
async function app(options: Omit<SessionsOptions, 'store'>) {
  const sessions = createSessions({ store: memoryStore(), ...options });
  return serve(
    createServer(
      withSessions(sessions, async (req, res, session) => {
        if (req.method === 'POST') await session.login('ann');
        res.end(String(await session.userId()));
      }),
    ),
  );
}

describe("header transport (header: 'authorization')", () => {
  it('with the cookie transport still on, a new client gets a cookie, not X-Session-Token', async () => {
    const server = await app({ header: 'authorization', cookie: { secure: false } });
    try {
      const login = await request(server.url('/'), { method: 'POST' });
      assert.equal(login.setCookie.length, 1);
      assert.match(login.setCookie[0] ?? '', /^sid=/);
      assert.equal(login.headers.get('x-session-token'), null);
    } finally {
      await server.close();
    }
  });

  it('a client that sent its ticket as a Bearer token gets the rotated one in X-Session-Token', async () => {
    const server = await app({ header: 'authorization', cookie: { secure: false } });
    try {
      const first = await request(server.url('/'), { method: 'POST' });
      const ticket = (first.setCookie[0] ?? '').split(';')[0]!.slice('sid='.length);
      const bearer = { authorization: `Bearer ${ticket}` };
      assert.equal((await request(server.url('/'), { headers: bearer })).body, 'ann');
      const again = await request(server.url('/'), { method: 'POST', headers: bearer });
      assert.deepEqual(again.setCookie, []);
      const rotated = again.headers.get('x-session-token');
      assert.ok(rotated !== null && rotated !== ticket);
      assert.equal(
        (await request(server.url('/'), { headers: { authorization: `Bearer ${rotated}` } })).body,
        'ann',
      );
    } finally {
      await server.close();
    }
  });

  it('with cookie: false, a new client gets X-Session-Token and no cookie', async () => {
    const server = await app({ header: 'authorization', cookie: false });
    try {
      const login = await request(server.url('/'), { method: 'POST' });
      assert.deepEqual(login.setCookie, []);
      const ticket = login.headers.get('x-session-token');
      assert.ok(ticket !== null);
      assert.equal(
        (await request(server.url('/'), { headers: { authorization: `Bearer ${ticket}` } })).body,
        'ann',
      );
    } finally {
      await server.close();
    }
  });
});
