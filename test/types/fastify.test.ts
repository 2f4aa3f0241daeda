/** Type tests for coatcheck/fastify: typed sessions, a wrong value type does not compile. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import Fastify from 'fastify';
import { coatcheck, getSession } from '../../src/adapters/fastify.ts';
import type { Session, SessionData } from '../../src/core/session.ts';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';

type Profile = { theme: 'light' | 'dark'; visits: number };
const sessions = createSessions<Profile>({ store: memoryStore(), cookie: { secure: false } });

async function build() {
  const app = Fastify();
  await app.register(coatcheck, { sessions });
  app.get('/', async (request) => {
    expectTypeOf(request.session).toEqualTypeOf<Session<SessionData>>();
    const typed = getSession(request, sessions);
    expectTypeOf(typed).toEqualTypeOf<Session<Profile>>();
    expectTypeOf(await typed.get('theme')).toEqualTypeOf<'light' | 'dark' | undefined>();
    await typed.set('theme', 'dark');
    // @ts-expect-error not one of the themes
    await typed.set('theme', 'blue');
    // @ts-expect-error visits is a number
    await typed.set('visits', '3');
    return 'ok';
  });
  return app;
}

it('fastify: the plugin carries the fastify-plugin metadata', async () => {
  const record = coatcheck as unknown as Record<symbol, unknown>;
  assert.equal(record[Symbol.for('skip-override')], true);
  assert.equal(record[Symbol.for('fastify.display-name')], 'coatcheck');
  const app = await build();
  await app.ready();
  assert.equal(app.hasRequestDecorator('session'), true, 'decorated on the root instance');
  await app.close();
});
