/** Express apps shared by the Express variants: the four routes, with and without a session layer. */
import express, { type Request, type RequestHandler } from 'express';
import { body } from '../variant.ts';

/** The counter API each session layer offers a route. */
export interface CounterAccess {
  read(req: Request): Promise<unknown> | unknown;
  write(req: Request, value: number): Promise<void> | void;
}

/** An Express app with `middleware` (if any) and the four routes. */
export function expressApp(middleware: RequestHandler | undefined, access: CounterAccess | undefined) {
  const app = express();
  app.disable('x-powered-by');
  if (middleware !== undefined) app.use(middleware);
  app.get('/read', async (req, res) => {
    res.send(body(await access?.read(req)));
  });
  app.get('/write', async (req, res) => {
    const current = await access?.read(req);
    const next = (typeof current === 'number' ? current : 0) + 1;
    await access?.write(req, next);
    res.send(body(next));
  });
  app.get('/new', async (req, res) => {
    await access?.write(req, 1);
    res.send(body(1));
  });
  app.get('/untouched', (_req, res) => {
    res.send('ok');
  });
  return app;
}
