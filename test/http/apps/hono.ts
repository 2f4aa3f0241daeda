import { createReadStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { type SessionEnv, session } from '../../../src/adapters/hono.ts';
import { type AppData, appScript } from '../app-script.ts';
import { SENT_FILE } from './express-app.ts';
import { listen } from './listen.ts';
import type { AdapterUnderTest } from './types.ts';

export const honoAdapter: AdapterUnderTest = {
  name: 'hono',
  start: (sessions) => {
    const app = new Hono<SessionEnv<AppData>>();
    // @hono/node-server puts the node request in c.env.incoming.
    app.use(
      session(sessions, {
        ip: (c) => (c.env as { incoming?: IncomingMessage }).incoming?.socket.remoteAddress,
      }),
    );
    app.get('/redirect', async (c) => {
      await c.get('session').set('note', 'redirected');
      return c.redirect('/read');
    });
    app.get('/stream', async (c) => {
      await c.get('session').set('note', 'streamed');
      const body = Readable.toWeb(createReadStream(SENT_FILE)) as ReadableStream<Uint8Array>;
      return c.body(body, 200, { 'content-type': 'text/plain' });
    });
    app.get('/note', async (c) => c.text(String((await c.get('session').get('note')) ?? '(none)')));
    app.all('*', async (c) => {
      const url = new URL(c.req.url);
      const reply = await appScript(
        { method: c.req.method, path: url.pathname, query: url.searchParams },
        c.get('session'),
      );
      return c.text(reply.body, reply.status as 200);
    });
    return listen(createAdaptorServer({ fetch: app.fetch }) as import('node:http').Server);
  },
};
