/**
 * Express with a middleware that does nothing but set `req.session` to an object: the least any
 * session middleware offering `req.session` can cost in Express (a property added to Express's
 * re-prototyped request), so the /untouched ratio of the real session layers can be read against it.
 */
import { createServer } from 'node:http';
import type { RequestHandler } from 'express';
import { listen, type StartVariant } from '../variant.ts';
import { expressApp } from './shared-express.ts';

const setOnly: RequestHandler = function reqSessionOnly(req, _res, next) {
  (req as unknown as { session: object }).session = {};
  next();
};

export const start: StartVariant = () => listen(createServer(expressApp(setOnly, undefined)));
