import { withMiddlewareSession } from 'coatcheck/next';
import { NextResponse } from 'next/server';
import { sessions } from './lib/sessions';

// Next's proxy (Node runtime): anonymous visitors of /admin go to the login page.
export const proxy = withMiddlewareSession(sessions, async (request, session) => {
  if ((await session.userId()) === null) return NextResponse.redirect(new URL('/login', request.url));
  return undefined;
});

export const config = { matcher: ['/admin'] };
