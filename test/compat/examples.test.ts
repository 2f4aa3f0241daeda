/**
 * The runnable examples of docs/express-session-compat.md and docs/passport.md: each page shows
 * its example file verbatim (imports spelled as the package's, `coatcheck/...`), and each example
 * runs here on a real listener (port 0) through the flow its page describes.
 */
import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import { describe, it } from 'node:test';
import { assertShown } from '../support/documented-example.ts';
import { Jar, post, postJson, request, serve } from './support.ts';

/** Login, the authenticated page, logout, a second login with a new ticket. */
async function passportFlow(url: (path: string) => string, send: typeof post, name: string): Promise<void> {
  const jar = new Jar(name);
  assert.equal((await request(url('/me'))).status, 401);
  const failed = await send(url('/login'), { username: 'ann', password: 'wrong' }, undefined);
  assert.equal(failed.status, 302);
  assert.deepEqual(failed.setCookie, []);
  const login = await send(url('/login'), { username: 'ann', password: 'secret' }, undefined);
  assert.equal(login.status, 302);
  jar.take(login);
  const first = jar.value;
  assert.ok(first !== undefined);
  assert.equal((await request(url('/me'), { cookie: jar.header! })).body, 'hello ann');
  jar.take(await send(url('/logout'), {}, jar.header));
  assert.equal((await request(url('/me'), { cookie: `${name}=${first}` })).status, 401);
  jar.take(await send(url('/login'), { username: 'ann', password: 'secret' }, jar.header));
  assert.ok(jar.value !== undefined && jar.value !== first);
  assert.equal((await request(url('/me'), { cookie: jar.header! })).body, 'hello ann');
}

async function served(listener: RequestListener) {
  return serve(createServer(listener));
}

describe('documented examples', () => {
  it('examples/express-session.ts: shown in docs/express-session-compat.md; counts views, regenerate starts over', async () => {
    assertShown('express-session-compat.md', 'express-session.ts');
    const { createApp } = await import('../../examples/express-session.ts');
    const app = await served(createApp());
    try {
      const jar = new Jar('sid');
      const first = await request(app.url('/'));
      jar.take(first);
      assert.equal(first.body, 'views: 1, expires in 1800000 ms');
      assert.match((await request(app.url('/'), { cookie: jar.header! })).body, /^views: 2/);
      const reset = await post(app.url('/reset'), {}, jar.header);
      assert.equal(reset.status, 302);
      assert.match(reset.setCookie[0] ?? '', /Max-Age=0/);
    } finally {
      await app.close();
    }
  });

  for (const [file, start, send] of [
    [
      'passport-express.ts',
      async () => served((await import('../../examples/passport-express.ts')).createApp()),
      post,
    ],
    [
      'passport-plain.ts',
      async () => served((await import('../../examples/passport-plain.ts')).createApp()),
      post,
    ],
    [
      'passport-koa.ts',
      async () => served((await import('../../examples/passport-koa.ts')).createApp().callback()),
      post,
    ],
    [
      'passport-fastify.ts',
      async () => {
        const app = await (await import('../../examples/passport-fastify.ts')).createApp();
        await app.listen({ port: 0, host: '127.0.0.1' });
        const { port } = app.server.address() as { port: number };
        return { url: (path: string) => `http://127.0.0.1:${port}${path}`, close: () => app.close() };
      },
      postJson,
    ],
  ] as const) {
    it(`examples/${file}: shown in docs/passport.md; login, the page, logout, a second login's new ticket`, async () => {
      assertShown('passport.md', file);
      const app = await start();
      try {
        await passportFlow(app.url, send, 'sid');
      } finally {
        await app.close();
      }
    });
  }
});
