import { withRouteSession } from 'coatcheck/next';
import { redirect } from 'next/navigation';
import { sessions } from '../../../lib/sessions';

// redirect() throws: the wrapper commits through cookies(), and Next's redirect carries it.
export const GET = withRouteSession(sessions, async (_request, session) => {
  await session.set('count', ((await session.get('count')) ?? 0) + 10);
  redirect('/');
});
