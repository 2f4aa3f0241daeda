/**
 * One tiny app per adapter for the security suite: `GET /token` issues the CSRF token,
 * `POST /change` (CSRF-protected) writes the session, `POST /logout` (CSRF-protected) destroys it.
 */
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { csrf as expressCsrf, session as expressSession, getSession } from '../../../src/adapters/express.ts';
import { coatcheck, csrfProtection } from '../../../src/adapters/fastify.ts';
import { csrf as honoCsrf, session as honoSession, type SessionEnv } from '../../../src/adapters/hono.ts';
import { csrf as koaCsrf, session as koaSession } from '../../../src/adapters/koa.ts';
import { withCsrf as nodeCsrf, withSessions as nodeSessions } from '../../../src/adapters/node.ts';
import { withCsrf as webCsrf, withSessions as webSessions } from '../../../src/adapters/web.ts';
import type { Session } from '../../../src/core/session.ts';
import type { Sessions } from '../../../src/core/sessions.ts';
import { listen } from '../../http/apps/listen.ts';
import type { RunningApp } from '../../http/apps/types.ts';

export type Data = { note: string };
export const ORIGIN = 'http://app.test';
const guard = { expectedOrigin: ORIGIN };

/** The shared routes, framework-free: returns [status, body]. */
async function route(method: string, path: string, session: Session<Data>): Promise<[number, string]> {
  if (method === 'GET' && path === '/token') return [200, await session.csrfToken()];
  if (method === 'GET' && path === '/note') return [200, String((await session.get('note')) ?? '(none)')];
  if (method === 'POST' && path === '/change') {
    await session.set('note', 'changed');
    return [200, 'ok'];
  }
  if (method === 'POST' && path === '/logout') {
    await session.destroy();
    return [200, 'bye'];
  }
  return [404, 'not found'];
}

export interface CsrfApp {
  readonly name: string;
  /** Whether the app reads the token from a urlencoded form field. */
  readonly formField: 'urlencoded' | 'json' | undefined;
  start(sessions: Sessions<Data>): Promise<RunningApp>;
}

export const csrfApps: readonly CsrfApp[] = [
  {
    name: 'node',
    formField: undefined,
    start: (sessions) =>
      listen(
        nodeSessions(sessions, async (req, res, session) => {
          const protectedRoute = nodeCsrf<Data>(async (r, response, s) => {
            const [status, body] = await route(
              r.method ?? 'GET',
              new URL(r.url ?? '/', 'http://x').pathname,
              s,
            );
            response.statusCode = status;
            response.end(body);
          }, guard);
          await protectedRoute(req, res, session);
        }),
      ),
  },
  {
    name: 'web',
    formField: 'urlencoded',
    start: (sessions) => {
      const fetch = webSessions(
        sessions,
        webCsrf<Data>(async (request, session) => {
          const [status, body] = await route(request.method, new URL(request.url).pathname, session);
          return new Response(body, { status });
        }, guard),
      );
      return listen(createAdaptorServer({ fetch }) as Server);
    },
  },
  {
    name: 'express',
    formField: 'urlencoded',
    start: (sessions) => {
      const app = express();
      app.use(express.urlencoded({ extended: false }));
      app.use(expressSession(sessions));
      app.use(expressCsrf(guard));
      app.use(async (req, res) => {
        const [status, body] = await route(req.method, req.path, getSession(req, sessions));
        res.status(status).send(body);
      });
      app.use((error: { status?: number }, _req: unknown, res: express.Response, _next: unknown) => {
        res.status(error.status ?? 500).send('error');
      });
      return listen(
        app as unknown as (
          req: import('node:http').IncomingMessage,
          res: import('node:http').ServerResponse,
        ) => void,
      );
    },
  },
  {
    name: 'fastify',
    formField: 'json',
    start: async (sessions) => {
      const app = Fastify();
      await app.register(coatcheck, { sessions });
      app.addHook('preHandler', csrfProtection(guard));
      app.all('/*', async (request, reply) => {
        const [status, body] = await route(
          request.method,
          new URL(request.url, 'http://x').pathname,
          request.session as unknown as Session<Data>,
        );
        return reply.code(status).send(body);
      });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      return { url, close: () => app.close() };
    },
  },
  {
    name: 'hono',
    formField: 'urlencoded',
    start: (sessions) => {
      const app = new Hono<SessionEnv<Data>>();
      app.use(honoSession(sessions));
      app.use(honoCsrf(guard));
      app.all('*', async (c) => {
        const [status, body] = await route(c.req.method, new URL(c.req.url).pathname, c.get('session'));
        return c.text(body, status as 200);
      });
      return listen(createAdaptorServer({ fetch: app.fetch }) as Server);
    },
  },
  {
    name: 'koa',
    formField: undefined,
    start: (sessions) => {
      const app = new Koa();
      app.silent = true;
      app.use(koaSession(sessions));
      app.use(koaCsrf(guard));
      app.use(async (ctx) => {
        const [status, body] = await route(ctx.method, ctx.path, ctx.session as unknown as Session<Data>);
        ctx.status = status;
        ctx.body = body;
      });
      return listen(app.callback());
    },
  },
];
