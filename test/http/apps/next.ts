import { createReadStream } from 'node:fs';
import type { Server } from 'node:http';
import { Readable } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import { withRouteSession } from '../../../src/adapters/next.ts';
import { appScript } from '../app-script.ts';
import { SENT_FILE } from './express-app.ts';
import { listen } from './listen.ts';
import type { AdapterUnderTest } from './types.ts';
import { PLATFORM_IP } from './web.ts';

/**
 * coatcheck/next's Route Handler wrapper as Next calls it: a Fetch Request in, a Response out
 * (the whole app is one catch-all route). The real Next.js app is test/next/next.test.ts.
 */
export const nextAdapter: AdapterUnderTest = {
  name: 'next',
  start: (sessions) => {
    const route = withRouteSession(
      sessions,
      async (request, session) => {
        const url = new URL(request.url);
        switch (url.pathname) {
          case '/redirect':
            await session.set('note', 'redirected');
            // Immutable headers: the adapter must answer with a copy that carries the cookie.
            return Response.redirect(new URL('/read', url), 302);
          case '/stream': {
            await session.set('note', 'streamed');
            const body = Readable.toWeb(createReadStream(SENT_FILE)) as ReadableStream<Uint8Array>;
            return new Response(body, { headers: { 'content-type': 'text/plain' } });
          }
          case '/note':
            return new Response(String((await session.get('note')) ?? '(none)'));
        }
        const reply = await appScript(
          { method: request.method, path: url.pathname, query: url.searchParams },
          session,
        );
        return new Response(reply.body, { status: reply.status, headers: { 'content-type': 'text/plain' } });
      },
      () => ({ ip: () => PLATFORM_IP }),
    );
    return listen(createAdaptorServer({ fetch: (request: Request) => route(request, {}) }) as Server);
  },
};
