import { withSessions } from '../../../src/adapters/node.ts';
import { appScript } from '../app-script.ts';
import { listen } from './listen.ts';
import type { AdapterUnderTest } from './types.ts';

export const nodeAdapter: AdapterUnderTest = {
  name: 'node',
  start: (sessions) =>
    listen(
      withSessions(sessions, async (req, res, session) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const reply = await appScript(
          { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams },
          session,
        );
        res.statusCode = reply.status;
        res.setHeader('content-type', 'text/plain');
        // Stream the body in two writes: the commit must still land before the first byte.
        res.write(reply.body.slice(0, 1));
        res.end(reply.body.slice(1));
      }),
    ),
};
