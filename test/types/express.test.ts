/**
 * Type tests for coatcheck/express: the session is typed from the data type given to
 * `createSessions`, and a wrong value type does not compile (tsc checks the `@ts-expect-error`s).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import express from 'express';
import { getSession, type RegisteredSessionData, session } from '../../src/adapters/express.ts';
import type { Session, SessionData } from '../../src/core/session.ts';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';

type Cart = { count: number; items: string[] };
const sessions = createSessions<Cart>({ store: memoryStore(), cookie: { secure: false } });
const middleware = session(sessions);

function routes(app: express.Express): void {
  app.use(middleware);
  app.get('/', async (req, res) => {
    // Without a registered type, req.session holds unknown values: no global Data is forced.
    expectTypeOf<RegisteredSessionData>().toEqualTypeOf<SessionData>();
    // This program also compiles coatcheck/express-session, so req.session carries both entry
    // points' types (express/request-session.ts); an app importing one gets exactly its type.
    expectTypeOf(req.session).toExtend<Session<SessionData>>();
    expectTypeOf(await req.session.get('anything')).toEqualTypeOf<unknown>();

    const typed = getSession(req, sessions);
    expectTypeOf(typed).toEqualTypeOf<Session<Cart>>();
    expectTypeOf(middleware.of(req)).toEqualTypeOf<Session<Cart>>();
    expectTypeOf(await typed.get('count')).toEqualTypeOf<number | undefined>();
    expectTypeOf(await typed.get('items')).toEqualTypeOf<string[] | undefined>();
    await typed.set('count', 1);
    // @ts-expect-error a string is not a count
    await typed.set('count', 'one');
    // @ts-expect-error not a key of Cart
    await typed.get('missing');
    res.send('ok');
  });
}

it('express: the typed routes build (types are checked by tsc)', () => {
  const app = express();
  routes(app);
  assert.equal(typeof middleware, 'function');
  assert.equal(middleware.length, 3, 'an Express middleware, not an error handler');
});
