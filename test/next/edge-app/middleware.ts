// Next's middleware on the edge runtime (middleware.ts; proxy.ts would run on Node): it logs in,
// counts visits, gates /members and logs out, all in the edge sandbox with its own memory store.
import { createSessions } from 'coatcheck';
import { withMiddlewareSession } from 'coatcheck/next';
import { memoryStore } from 'coatcheck/stores/memory';
import { type NextRequest, NextResponse } from 'next/server';

declare const EdgeRuntime: string | undefined;

// The memory store in production makes core warn at start-up: on the edge runtime that goes to
// console.warn, and the bundle holds no process.emitWarning (next build refuses one).
const sessions = createSessions<{ visits: number }>({
  store: memoryStore(),
  cookie: { name: 'edge-sid' },
});

export const middleware = withMiddlewareSession(sessions, async (request: NextRequest, session) => {
  const { pathname, searchParams } = request.nextUrl;
  if (pathname === '/join') {
    await session.login(searchParams.get('user') ?? 'guest');
    return NextResponse.redirect(new URL('/members', request.url));
  }
  if (pathname === '/leave') {
    await session.destroy();
    return NextResponse.redirect(new URL('/welcome', request.url));
  }
  const user = await session.userId();
  if (user === null) return NextResponse.redirect(new URL('/welcome', request.url));
  const visits = ((await session.get('visits')) ?? 0) + 1;
  await session.set('visits', visits);
  const response = NextResponse.next();
  response.headers.set('x-member', user);
  response.headers.set('x-visits', String(visits));
  response.headers.set('x-runtime', typeof EdgeRuntime === 'string' ? EdgeRuntime : 'node');
  return response;
});

export const config = { matcher: ['/members', '/join', '/leave'] };
