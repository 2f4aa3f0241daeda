/**
 * Type tests for coatcheck/next: each helper hands the handler `Session<Data>` (or, in Server
 * Components, a read-only view without the writing methods), and Next's own request types fit.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { type NextFetchEvent, NextRequest, NextResponse } from 'next/server.js';
import {
  type ReadonlySession,
  readSession,
  withActionSession,
  withMiddlewareSession,
  withRouteSession,
} from '../../src/adapters/next.ts';
import type { Session } from '../../src/core/session.ts';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';

type Cart = { items: string[]; coupon: string };
const sessions = createSessions<Cart>({ store: memoryStore(), cookie: { secure: false } });

// A Route Handler with Next's request type and its `{ params }` context.
export const GET = withRouteSession(
  sessions,
  async (request: NextRequest, session, context: { params: Promise<{ id: string }> }) => {
    expectTypeOf(session).toEqualTypeOf<Session<Cart>>();
    expectTypeOf(await session.get('items')).toEqualTypeOf<string[] | undefined>();
    // @ts-expect-error items holds strings
    await session.set('items', [1]);
    return NextResponse.json({ id: (await context.params).id, path: request.nextUrl.pathname });
  },
);
expectTypeOf(GET).parameters.toEqualTypeOf<[NextRequest, { params: Promise<{ id: string }> }]>();
expectTypeOf(GET).returns.toEqualTypeOf<Promise<Response>>();

// Middleware: a Response, or nothing to go on.
export const middleware = withMiddlewareSession(
  sessions,
  async (request: NextRequest, session, _event: NextFetchEvent) => {
    expectTypeOf(session).toEqualTypeOf<Session<Cart>>();
    if ((await session.userId()) === null) return NextResponse.redirect(new URL('/login', request.url));
    return undefined;
  },
);
expectTypeOf(middleware).parameters.toEqualTypeOf<[NextRequest, NextFetchEvent]>();

// Server Actions: the action's result comes back typed.
async function action() {
  const coupon = await withActionSession(sessions, async (session) => {
    expectTypeOf(session).toEqualTypeOf<Session<Cart>>();
    return session.get('coupon');
  });
  expectTypeOf(coupon).toEqualTypeOf<string | undefined>();
}

// Server Components: reads only.
async function page() {
  const session = await readSession(sessions);
  expectTypeOf(session).toEqualTypeOf<ReadonlySession<Cart>>();
  expectTypeOf(await session.get('items')).toEqualTypeOf<string[] | undefined>();
  // @ts-expect-error a Server Component cannot set cookies, so the view has no writing method
  await session.set('coupon', 'X');
  // @ts-expect-error nor login
  await session.login('u');
  // @ts-expect-error consuming a flash writes
  await session.consumeFlash('notice');
}

it('next: the typed helpers exist (the checks above are compile-time)', () => {
  assert.equal(typeof action, 'function');
  assert.equal(typeof page, 'function');
  assert.ok(new NextRequest('http://localhost/') instanceof Request);
});
