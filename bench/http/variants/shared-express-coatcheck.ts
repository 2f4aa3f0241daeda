/** Express + coatcheck: the shared Express app with coatcheck's Express middleware. */
import { createServer } from 'node:http';
import { session as coatcheckSession, getSession } from 'coatcheck/express';
import type { RequestHandler } from 'express';
import { listen, type RunningVariant } from '../variant.ts';
import { type BenchStore, benchSessions, type Instrumented } from './shared-coatcheck.ts';
import { expressApp } from './shared-express.ts';

/** Express + coatcheck on `bench`'s store (with telemetry when `instrumented` is given). */
export function expressCoatcheck(bench: BenchStore, instrumented?: Instrumented): Promise<RunningVariant> {
  const plain = benchSessions(bench.store);
  const sessions = instrumented === undefined ? plain : instrumented.sessions(plain);
  const app = expressApp(coatcheckSession(sessions) as unknown as RequestHandler, {
    read: (req) => getSession(req, sessions).get('count'),
    write: (req, value) => getSession(req, sessions).set('count', value),
  });
  return listen(createServer(instrumented === undefined ? app : instrumented.listener(app)), async () => {
    await sessions.close();
    await bench.close();
    await instrumented?.close();
  });
}
