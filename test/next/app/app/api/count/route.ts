import { withRouteSession } from 'coatcheck/next';
import { sessions } from '../../../lib/sessions';

// The form posts here; a 303 back to the page. Response.redirect's headers are immutable, so
// the adapter's copy is what carries the cookie.
export const POST = withRouteSession(sessions, async (request, session) => {
  await session.set('count', ((await session.get('count')) ?? 0) + 1);
  return Response.redirect(new URL('/', request.url), 303);
});

export const GET = withRouteSession(sessions, async (_request, session) => {
  return Response.json({ count: (await session.get('count')) ?? 0 });
});
