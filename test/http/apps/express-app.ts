/**
 * The matrix app on Express, written once for Express 4 and 5: the app script behind the
 * middleware, plus routes only Express has (`res.redirect`, streamed and `res.sendFile` responses).
 */
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type express from 'express';
import { getSession, session } from '../../../src/adapters/express.ts';
import type { Sessions } from '../../../src/core/sessions.ts';
import { type AppData, appScript } from '../app-script.ts';
import { listen } from './listen.ts';
import type { RunningApp } from './types.ts';

/** A file the `/file` route sends with `res.sendFile`. */
export const SENT_FILE = fileURLToPath(new URL('../app-script.ts', import.meta.url));

export function startExpressApp(createApp: typeof express, sessions: Sessions<AppData>): Promise<RunningApp> {
  const app = createApp();
  app.set('env', 'test'); // finalhandler logs every error outside 'test'; the matrix provokes 503s on purpose
  app.use(session(sessions));
  // Express 4 does not forward rejected promises: every async route ends in `.catch(next)`.
  app.get('/redirect', (req, res, next) => {
    getSession(req, sessions)
      .set('note', 'redirected')
      .then(() => res.redirect('/read'), next);
  });
  app.get('/stream', (req, res, next) => {
    getSession(req, sessions)
      .set('note', 'streamed')
      .then(() => {
        res.type('text/plain');
        Readable.from(['one,', 'two,', 'three']).pipe(res);
      }, next);
  });
  app.get('/file', (req, res, next) => {
    getSession(req, sessions)
      .set('note', 'file')
      .then(() => res.sendFile(SENT_FILE), next);
  });
  app.get('/note', (req, res, next) => {
    req.session.get('note').then((note) => res.type('text/plain').send(String(note ?? '(none)')), next);
  });
  app.all(/.*/, (req, res, next) => {
    const url = new URL(req.originalUrl, 'http://localhost');
    appScript({ method: req.method, path: url.pathname, query: url.searchParams }, getSession(req, sessions))
      .then((reply) => {
        res.status(reply.status).type('text/plain').send(reply.body);
      })
      .catch(next);
  });
  return listen(createServer(app));
}
