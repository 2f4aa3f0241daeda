/** Type tests for coatcheck/koa: `ctx.session` typed from the data type; wrong values do not compile. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import Koa, { type DefaultState, type ParameterizedContext } from 'koa';
import { type SessionContext, session } from '../../src/adapters/koa.ts';
import type { Session } from '../../src/core/session.ts';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';

type Basket = { items: string[]; coupon: string };
const sessions = createSessions<Basket>({ store: memoryStore(), cookie: { secure: false } });

// app.use(session(...)) returns an app whose later middleware sees the typed ctx.session.
const app = new Koa().use(session(sessions));
app.use(async (ctx) => {
  expectTypeOf(ctx.session).toEqualTypeOf<Session<Basket>>();
  expectTypeOf(await ctx.session.get('items')).toEqualTypeOf<string[] | undefined>();
  // @ts-expect-error items is a list of strings
  await ctx.session.set('items', 'sku-1');
  ctx.body = 'ok';
});

// Routers and separate handlers name the context type explicitly.
async function handler(ctx: ParameterizedContext<DefaultState, SessionContext<Basket>>) {
  expectTypeOf(await ctx.session.get('coupon')).toEqualTypeOf<string | undefined>();
  // @ts-expect-error not a key of Basket
  await ctx.session.get('total');
}

it('koa: the middleware is a Koa middleware and the handler types line up', () => {
  assert.equal(typeof session(sessions), 'function');
  assert.equal(typeof handler, 'function');
  assert.equal(app.middleware.length, 2);
});
