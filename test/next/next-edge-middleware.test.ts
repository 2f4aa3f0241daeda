/**
 * coatcheck/next's withMiddlewareSession in Next's edge middleware (`middleware.ts`), in a real
 * build: test/next/edge-app built with `next build` (which refuses an edge bundle holding a
 * Node-only API such as process.emitWarning, and core warns there: a memory store in production)
 * and served by `next start`. Plain HTTP requests: the middleware logs in, counts, gates and logs
 * out, and says which runtime it ran on.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type AppServer, freePort, runNode, startAppServer } from '../support/app-server.ts';
import { prepareSampleApp, REPO, type SampleApp } from '../support/sample-app.ts';

const NEXT = join(REPO, 'node_modules/next/dist/bin/next');

describe('next: edge middleware (next build + next start)', () => {
  let app: SampleApp;
  let server: AppServer;
  let base: string;

  before(async () => {
    app = await prepareSampleApp('test/next/edge-app', 'next-edge-', [
      'index.ts',
      'adapters/next.ts',
      'stores/memory.ts',
    ]);
    const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
    delete env.NODE_ENV;
    await runNode([NEXT, 'build'], app.dir, env);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startAppServer([NEXT, 'start', '-H', '127.0.0.1', '-p', String(port)], {
      cwd: app.dir,
      env,
      url: `${base}/welcome`,
    });
  });

  after(async () => {
    await server?.stop();
    await app?.cleanup();
  });

  const get = (path: string, cookie?: string) =>
    fetch(`${base}${path}`, { redirect: 'manual', headers: cookie === undefined ? {} : { cookie } });
  const ticketOf = (response: Response) => {
    const header = response.headers.getSetCookie().find((line) => line.startsWith('edge-sid='));
    return header;
  };

  test('next build put the middleware on the edge runtime', async () => {
    const manifest = JSON.parse(
      await readFile(join(app.dir, '.next/server/middleware-manifest.json'), 'utf8'),
    ) as { middleware: Record<string, unknown> };
    assert.deepEqual(Object.keys(manifest.middleware), ['/']);
  });

  test('the edge bundle reaches warnings through console.warn, with no process.emitWarning', async () => {
    const manifest = JSON.parse(
      await readFile(join(app.dir, '.next/server/middleware-manifest.json'), 'utf8'),
    ) as { middleware: Record<string, { files: string[] }> };
    const files = manifest.middleware['/']?.files ?? [];
    const bundle = (
      await Promise.all(files.map((file) => readFile(join(app.dir, '.next', file), 'utf8')))
    ).join('\n');
    assert.match(bundle, /CoatcheckWarning \[/, "core's warning is in the bundle");
    assert.doesNotMatch(bundle, /emitWarning/);
  });

  test('an anonymous visitor of /members is sent to /welcome, with no cookie', async () => {
    const response = await get('/members');
    assert.equal(response.status, 307);
    assert.equal(new URL(response.headers.get('location') ?? '', base).pathname, '/welcome');
    assert.equal(ticketOf(response), undefined);
  });

  test('log in, count visits on the edge, log out: the old ticket is refused', async () => {
    const joined = await get('/join?user=erin');
    assert.equal(joined.status, 307);
    assert.equal(new URL(joined.headers.get('location') ?? '', base).pathname, '/members');
    const setCookie = ticketOf(joined);
    assert.ok(setCookie, 'the login sets the session cookie');
    assert.match(setCookie, /; HttpOnly/i);
    assert.match(setCookie, /; Secure/i);
    assert.match(setCookie, /; SameSite=Lax/i);
    const cookie = setCookie.split(';')[0] ?? '';

    const first = await get('/members', cookie);
    assert.equal(first.status, 200);
    assert.match(await first.text(), /members only/);
    assert.equal(first.headers.get('x-member'), 'erin');
    assert.equal(first.headers.get('x-visits'), '1');
    assert.equal(first.headers.get('x-runtime'), 'edge-runtime');
    const second = await get('/members', cookie);
    assert.equal(second.headers.get('x-visits'), '2', 'the edge store kept the first visit');

    const left = await get('/leave', cookie);
    assert.equal(left.status, 307);
    const cleared = ticketOf(left);
    assert.ok(cleared, 'logout clears the cookie');
    assert.match(cleared, /Max-Age=0|Expires=Thu, 01 Jan 1970/i);

    const after = await get('/members', cookie);
    assert.equal(after.status, 307, 'the destroyed ticket no longer opens /members');
    assert.equal(new URL(after.headers.get('location') ?? '', base).pathname, '/welcome');
  });
});
