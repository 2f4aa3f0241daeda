/**
 * The runnable example of each docs/frameworks/ page: the page shows the file verbatim, and the
 * example runs here on a real listener (port 0): the count goes up across requests that carry the
 * cookie, logout clears the cookie, and the old ticket no longer counts.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { Jar, request, serve } from '../compat/support.ts';
import { assertShown } from '../support/documented-example.ts';

interface Running {
  url(path: string): string;
  close(): Promise<void>;
}

const apps: Record<string, () => Promise<Running>> = {
  'node-http': async () =>
    serve(createServer((await import('../../examples/frameworks/node-http.ts')).createApp())),
  web: async () =>
    serve(createServer(getRequestListener((await import('../../examples/frameworks/web.ts')).createApp()))),
  express: async () =>
    serve(createServer((await import('../../examples/frameworks/express.ts')).createApp())),
  koa: async () =>
    serve(createServer((await import('../../examples/frameworks/koa.ts')).createApp().callback())),
  hono: async () =>
    serve(
      createServer(getRequestListener((await import('../../examples/frameworks/hono.ts')).createApp().fetch)),
    ),
  fastify: async () => {
    const app = await (await import('../../examples/frameworks/fastify.ts')).createApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    return { url: (path) => `http://127.0.0.1:${port}${path}`, close: () => app.close() };
  },
};

describe('framework pages (docs/frameworks)', () => {
  for (const [name, start] of Object.entries(apps)) {
    it(`${name}: docs/frameworks/${name}.md shows examples/frameworks/${name}.ts; counts with the cookie, logout clears it`, async () => {
      assertShown(`frameworks/${name}.md`, `frameworks/${name}.ts`);
      const app = await start();
      try {
        const jar = new Jar('sid');
        const first = await request(app.url('/'));
        assert.equal(first.body, 'visits: 1');
        jar.take(first);
        const ticket = jar.value;
        assert.ok(ticket !== undefined, 'the first visit sets the sid cookie');
        assert.equal((await request(app.url('/'), { cookie: jar.header! })).body, 'visits: 2');
        assert.equal((await request(app.url('/'), { cookie: jar.header! })).body, 'visits: 3');
        // Without the cookie it is another, new session.
        assert.equal((await request(app.url('/'))).body, 'visits: 1');

        const logout = await request(app.url('/logout'), { method: 'POST', cookie: jar.header! });
        assert.equal(logout.status, 200);
        assert.ok(
          logout.setCookie.some((header) => /^sid=/.test(header) && /Max-Age=0/i.test(header)),
          `logout clears the cookie: ${logout.setCookie.join(' | ')}`,
        );
        jar.take(logout);
        assert.equal(jar.value, undefined);
        // The old ticket is dead: a client that kept it starts over.
        assert.equal((await request(app.url('/'), { cookie: `sid=${ticket}` })).body, 'visits: 1');
      } finally {
        await app.close();
      }
    });
  }
});
