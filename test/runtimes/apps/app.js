/**
 * The application every runtime serves, written as a user would against the published package:
 * one sessions manager (memory store, signed tickets, encryption at rest, default cookie options),
 * the same routes behind the Web adapter (`/web/...`) and behind Hono (`/hono/...`).
 * Plain JavaScript, so Bun, Deno, workerd and the edge runtime run it without a TypeScript step.
 */
import { createSessions } from 'coatcheck';
import { session as honoSession } from 'coatcheck/hono';
import { memoryStore } from 'coatcheck/stores/memory';
import { withSessions } from 'coatcheck/web';
import { Hono } from 'hono';

const SECRET = 'runtime-suite-signing-secret-0123456789';
const KEY = 'q83vEjRWeJASNFZ4kKvN7/7cuph2VDIQq83vEjRWeJA=';

/** Which runtime is serving, so the test knows it reached the one it started. */
export function runtimeName() {
  if (typeof globalThis.Bun === 'object') return 'bun';
  if (typeof globalThis.Deno === 'object') return 'deno';
  if (typeof globalThis.EdgeRuntime === 'string') return 'edge-runtime';
  if (globalThis.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (globalThis.process?.release?.name === 'node') return 'node';
  return 'unknown';
}

async function route(request, session, path) {
  const url = new URL(request.url);
  const text = (body) => new Response(body, { headers: { 'content-type': 'text/plain' } });
  switch (path) {
    case '/untouched':
      return text('untouched');
    case '/read':
      return text(String((await session.get('count')) ?? 0));
    case '/count': {
      const count = ((await session.get('count')) ?? 0) + 1;
      await session.set('count', count);
      return text(String(count));
    }
    case '/rotate':
      await session.rotate();
      return text('rotated');
    case '/login':
      await session.login(url.searchParams.get('user') ?? 'user-1');
      return text('logged in');
    case '/whoami':
      return text((await session.userId()) ?? 'anonymous');
    case '/logout':
      await session.destroy();
      return text('bye');
    case '/runtime':
      return text(runtimeName());
    default:
      return new Response('not found', { status: 404 });
  }
}

/**
 * Builds the app: call it where the runtime allows (a Worker's global scope included, which is
 * where Workers forbid timers: the memory store must not start one at construction).
 */
export function createApp() {
  const sessions = createSessions({
    store: memoryStore(),
    secrets: [SECRET],
    encryption: { keys: [KEY] },
  });
  const web = withSessions(sessions, (request, session) =>
    route(request, session, new URL(request.url).pathname.slice('/web'.length)),
  );
  const hono = new Hono();
  hono.use(honoSession(sessions));
  hono.all('/hono/*', (c) => route(c.req.raw, c.get('session'), c.req.path.slice('/hono'.length)));
  return function fetchApp(request) {
    const path = new URL(request.url).pathname;
    if (path.startsWith('/hono/')) return hono.fetch(request);
    if (path.startsWith('/web/')) return web(request);
    return new Response('not found', { status: 404 });
  };
}
