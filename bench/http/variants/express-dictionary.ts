/**
 * Express with no session layer, but with a first middleware that switches `req` and `res` to
 * dictionary properties (a property added, then deleted). A reference, not a session layer: it
 * shows what Express's per-request hidden classes cost. In Node 20's V8 every property Express
 * adds after its `Object.setPrototypeOf(req, app.request)` makes a new hidden class for that one
 * request, so each first read of a name on `req` or `res` misses V8's lookup caches (about 109 per
 * /read); a dictionary-mode object keeps one shared hidden class, and its reads hit
 * (docs/BENCHMARKS.md, "Why every Express request misses V8's caches").
 */
import { createServer } from 'node:http';
import type { RequestHandler } from 'express';
import { listen, type StartVariant } from '../variant.ts';
import { expressApp } from './shared-express.ts';

const toDictionary: RequestHandler = function dictionaryShapes(req, res, next) {
  const request = req as unknown as Record<string, unknown>;
  const response = res as unknown as Record<string, unknown>;
  request.__shape = true;
  delete request.__shape;
  response.__shape = true;
  delete response.__shape;
  next();
};

export const start: StartVariant = () => listen(createServer(expressApp(toDictionary, undefined)));
