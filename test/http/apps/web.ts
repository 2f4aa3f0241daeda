import { createAdaptorServer } from '@hono/node-server';
import { withSessions } from '../../../src/adapters/web.ts';
import { appScript } from '../app-script.ts';
import { listen } from './listen.ts';
import type { AdapterUnderTest } from './types.ts';

/** What a platform's connection info would give the web adapter (a Fetch Request has no socket). */
export const PLATFORM_IP = '192.0.2.10';

export const webAdapter: AdapterUnderTest = {
  name: 'web',
  start: (sessions) => {
    const fetch = withSessions(
      sessions,
      async (request, session) => {
        const url = new URL(request.url);
        const reply = await appScript(
          { method: request.method, path: url.pathname, query: url.searchParams },
          session,
        );
        return new Response(reply.body, { status: reply.status, headers: { 'content-type': 'text/plain' } });
      },
      () => ({ ip: () => PLATFORM_IP }),
    );
    return listen(createAdaptorServer({ fetch }) as import('node:http').Server);
  },
};
