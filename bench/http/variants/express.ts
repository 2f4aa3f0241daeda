/** Express with no session middleware: the Express ceiling. */
import { createServer } from 'node:http';
import { listen, type StartVariant } from '../variant.ts';
import { expressApp } from './shared-express.ts';

export const start: StartVariant = () => listen(createServer(expressApp(undefined, undefined)));
