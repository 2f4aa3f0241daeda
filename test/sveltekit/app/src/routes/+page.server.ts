import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({
  user: await locals.session.userId(),
  count: (await locals.session.get('count')) ?? 0,
});

export const actions: Actions = {
  // A sample: any user name logs in with the password "secret".
  login: async ({ locals, request }) => {
    const form = await request.formData();
    const user = String(form.get('user') ?? '');
    if (user === '' || form.get('password') !== 'secret') return fail(401, { failed: true });
    await locals.session.login(user);
    redirect(303, '/');
  },
  count: async ({ locals }) => {
    await locals.session.set('count', ((await locals.session.get('count')) ?? 0) + 1);
    redirect(303, '/');
  },
  logout: async ({ locals }) => {
    await locals.session.destroy();
    redirect(303, '/');
  },
};
