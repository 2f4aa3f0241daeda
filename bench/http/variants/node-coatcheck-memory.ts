/** node:http + coatcheck (withSessions) on the memory store. */
import { createServer } from 'node:http';
import { withSessions } from 'coatcheck/node';
import { body, listen, type StartVariant } from '../variant.ts';
import { benchSessions, memory } from './shared-coatcheck.ts';

export const start: StartVariant = async () => {
  const bench = await memory();
  const sessions = benchSessions(bench.store);
  const handler = withSessions(sessions, async (req, res, session) => {
    let text = 'ok';
    if (req.url === '/read') text = body(await session.get('count'));
    else if (req.url === '/write') {
      const current = await session.get('count');
      const next = (typeof current === 'number' ? current : 0) + 1;
      await session.set('count', next);
      text = body(next);
    } else if (req.url === '/new') {
      await session.set('count', 1);
      text = body(1);
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(text);
  });
  return listen(createServer(handler), async () => {
    await sessions.close();
    await bench.close();
  });
};
