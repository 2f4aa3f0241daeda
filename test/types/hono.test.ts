/** Type tests for coatcheck/hono: `c.get('session')` typed through Variables; wrong values do not compile. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { Hono } from 'hono';
import { type SessionEnv, session } from '../../src/adapters/hono.ts';
import type { Session } from '../../src/core/session.ts';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';

type Wizard = { step: number; answers: Record<string, string> };
const sessions = createSessions<Wizard>({ store: memoryStore(), cookie: { secure: false } });

// Declared on the app...
const declared = new Hono<SessionEnv<Wizard>>().use(session(sessions));
declared.get('/', async (c) => {
  expectTypeOf(c.get('session')).toEqualTypeOf<Session<Wizard>>();
  expectTypeOf(await c.get('session').get('step')).toEqualTypeOf<number | undefined>();
  // @ts-expect-error step is a number
  await c.get('session').set('step', 'two');
  return c.text('ok');
});

// ...or inferred from the middleware, per route.
const inferred = new Hono();
inferred.get('/', session(sessions), async (c) => {
  expectTypeOf(c.get('session')).toEqualTypeOf<Session<Wizard>>();
  // @ts-expect-error answers maps strings to strings
  await c.get('session').set('answers', { a: 1 });
  return c.text('ok');
});

it('hono: the middleware serves a request with the typed session', async () => {
  const app = new Hono<SessionEnv<Wizard>>().use(session(sessions));
  app.get('/', async (c) => {
    await c.get('session').set('step', 2);
    return c.text(String(await c.get('session').get('step')));
  });
  const response = await app.request('/');
  assert.equal(await response.text(), '2');
  assert.equal(response.headers.getSetCookie().length, 1);
});
