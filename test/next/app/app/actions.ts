'use server';
import { withActionSession } from 'coatcheck/next';
import { redirect } from 'next/navigation';
import { sessions } from '../lib/sessions';

// A sample: any user name logs in with the password "secret".
export async function login(form: FormData): Promise<void> {
  const user = String(form.get('user') ?? '');
  await withActionSession(sessions, async (session) => {
    if (user === '' || form.get('password') !== 'secret') redirect('/login?failed=1');
    await session.login(user);
    // Thrown inside: the session must be committed on the way out of redirect().
    redirect('/');
  });
}

// No redirect: setting the cookie makes Next re-render this page in the same request, where
// readSession() must see the new ticket, not the request's original Cookie header.
export async function loginHere(form: FormData): Promise<void> {
  const user = String(form.get('user') ?? '');
  if (user === '' || form.get('password') !== 'secret') return;
  await withActionSession(sessions, (session) => session.login(user));
}

export async function logout(): Promise<void> {
  await withActionSession(sessions, (session) => session.destroy());
  redirect('/login');
}

export async function revoke(form: FormData): Promise<void> {
  const user = String(form.get('user') ?? '');
  const revoked = await withActionSession(sessions, async (session) => {
    if ((await session.userId()) !== 'admin') return -1;
    return sessions.revokeUser(user);
  });
  redirect(`/admin?revoked=${revoked}`);
}
