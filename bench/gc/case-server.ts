/**
 * One server of the promotion study (promotion.ts), started as
 * `node --trace-gc-nvp --import tsx bench/gc/case-server.ts <case>`: serves `GET /new` (creates a
 * session, sets its cookie) and `GET /read` (reads it) as the case says, prints `PORT <n>` once
 * listening, and `MARK` on SIGUSR2, where the measured window begins.
 */
import { createServer, IncomingMessage, type RequestListener, ServerResponse } from 'node:http';
import { createSessions } from 'coatcheck';
import { session as coatcheckSession, getSession } from 'coatcheck/express';
import { coatcheck as coatcheckPlugin, getSession as getFastifySession } from 'coatcheck/fastify';
import { memoryStore } from 'coatcheck/stores/memory';
import express from 'express';
import Fastify from 'fastify';

const sessions = createSessions<{ count?: number }>({
  store: memoryStore(),
  cookie: { name: 'sid', secure: false },
});

/** `GET /new` through core alone: the cookie the other routes read. */
async function newSession(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const session = sessions.load({ cookie: req.headers.cookie });
  await session.set('count', 1);
  const result = await sessions.commit(session, { status: 200 });
  if (result.setCookie !== undefined) res.setHeader('set-cookie', result.setCookie);
  res.end('1');
}

/** A `/read` that loads and commits the session with core's own calls, from inside a route. */
async function coreRead(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const session = sessions.load({ cookie: req.headers.cookie });
  const count = await session.get('count');
  if (sessions.commitSync(session, { status: 200 }) === undefined)
    await sessions.commit(session, { status: 200 });
  res.end(String(count ?? 0));
}

const requestProto = Object.create(IncomingMessage.prototype) as object;
const responseProto = Object.create(ServerResponse.prototype) as object;

function expressApp(mode: 'none' | 'core' | 'adapter'): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.get('/new', newSession);
  if (mode === 'adapter') {
    app.use(coatcheckSession(sessions));
    app.get('/read', async (req, res) => {
      res.end(String((await getSession(req, sessions).get('count')) ?? 0));
    });
  } else if (mode === 'core') {
    app.get('/read', coreRead);
  } else {
    app.get('/read', (_req, res) => {
      res.end('0');
    });
  }
  return app;
}

/** node:http alone, optionally re-prototyping req and res as Express does on every request. */
function nodeServer(reprototype: boolean): RequestListener {
  return (req, res) => {
    if (req.url === '/new') {
      void newSession(req, res);
      return;
    }
    if (reprototype) {
      Object.setPrototypeOf(req, requestProto);
      Object.setPrototypeOf(res, responseProto);
    }
    res.end('0');
  };
}

/** Fastify, alone or with coatcheck's plugin, on node:http (its routing, hooks and reply). */
async function fastifyServer(withCoatcheck: boolean): Promise<RequestListener> {
  let listener: RequestListener | undefined;
  const app = Fastify({
    logger: false,
    serverFactory: (handler) => {
      listener = handler;
      return createServer();
    },
  });
  app.get('/new', (request, reply) => {
    reply.hijack();
    void newSession(request.raw, reply.raw);
  });
  if (withCoatcheck) {
    await app.register(coatcheckPlugin, { sessions });
    app.get('/read', async (request) =>
      String((await getFastifySession(request, sessions).get('count')) ?? 0),
    );
  } else {
    app.get('/read', async () => '0');
  }
  await app.ready();
  if (listener === undefined) throw new Error('Fastify made no server');
  return listener;
}

const CASES: Record<string, () => RequestListener | Promise<RequestListener>> = {
  node: () => nodeServer(false),
  'node-reprototyped': () => nodeServer(true),
  express: () => expressApp('none'),
  'express-core-in-route': () => expressApp('core'),
  'express-coatcheck': () => expressApp('adapter'),
  fastify: () => fastifyServer(false),
  'fastify-coatcheck': () => fastifyServer(true),
};

const name = process.argv[2] ?? '';
const make = CASES[name];
if (make === undefined) {
  process.stderr.write(`unknown case ${JSON.stringify(name)}; one of ${Object.keys(CASES).join(', ')}\n`);
  process.exit(2);
}
const server = createServer(await make());
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`PORT ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
});
process.on('SIGUSR2', () => process.stdout.write('MARK\n'));
process.on('SIGTERM', () => process.exit(0));
