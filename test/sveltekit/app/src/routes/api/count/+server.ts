import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ locals }) => {
  const count = ((await locals.session.get('count')) ?? 0) + 1;
  await locals.session.set('count', count);
  return json({ count });
};
