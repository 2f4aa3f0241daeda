/**
 * The smallest coatcheck app: counts visits per session on node:http, with sessions in SQLite at
 * ./data/sessions.db so they survive a restart. Run with `npx tsx examples/counter.ts`.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { withSessions } from '../src/adapters/node.ts';
import { createSessions } from '../src/index.ts';
import { sqliteStore } from '../src/stores/sqlite.ts';

mkdirSync('data', { recursive: true });
const sessions = createSessions<{ visits: number }>({
  store: sqliteStore({ database: 'data/sessions.db' }),
  // Plain http on localhost: a Secure cookie would not come back from every client, so say so.
  cookie: { secure: false },
});

const server = createServer(
  withSessions(sessions, async (req, res, session) => {
    if (req.url !== '/') {
      res.statusCode = 404;
      res.end('not found\n');
      return;
    }
    const visits = ((await session.get('visits')) ?? 0) + 1;
    await session.set('visits', visits);
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(`You have visited ${visits} time${visits === 1 ? '' : 's'} in this session.\n`);
  }),
);

const port = Number(process.env.PORT ?? 3000);
server.listen(port, () => {
  console.log(
    `coatcheck example listening on http://localhost:${port} (SQLite store at data/sessions.db, cookie "sid", not Secure: plain http)`,
  );
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    void sessions.close().then(() => process.exit(0));
  });
}
