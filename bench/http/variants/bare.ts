/** bare node:http: the ceiling. No framework, no session. */
import { createServer } from 'node:http';
import { body, listen, type StartVariant } from '../variant.ts';

export const start: StartVariant = () =>
  listen(
    createServer((req, res) => {
      const text = req.url === '/untouched' ? 'ok' : body(req.url === '/read' ? 0 : 1);
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(text);
    }),
  );
