/**
 * Sessions in Server Actions: load from `next/headers`, run the action, commit, write the cookie
 * with `cookies().set()`. Also fits a Route Handler that prefers `cookies()` to its Request.
 */
import type { Session, SessionData, Sessions } from '../../index.ts';
import { controlFlowStatus } from './control-flow.ts';
import { commitToCookies, currentLoadInput, type NextHeadersOptions } from './request-cookies.ts';

/**
 * Runs `action` with the request's session and commits it before returning `action`'s result.
 * A `redirect()` or `notFound()` thrown by `action` is committed with its status (so
 * `login()` then `redirect('/')` works) and rethrown for Next; any other error commits as a 500
 * (nothing is saved) and is rethrown.
 *
 * Server Actions and Route Handlers only: Next refuses `cookies().set()` in a Server Component
 * (use {@link readSession} there).
 *
 * @example
 * ```ts
 * 'use server';
 * export async function login(form: FormData) {
 *   await withActionSession(sessions, async (session) => {
 *     await session.login(await checkPassword(form));
 *   });
 *   redirect('/');
 * }
 * ```
 * @throws StoreUnavailableError (code COATCHECK_STORE_UNAVAILABLE, status 503) when the store fails.
 */
export async function withActionSession<Data extends SessionData, Result>(
  sessions: Sessions<Data>,
  action: (session: Session<Data>) => Result | Promise<Result>,
  options: NextHeadersOptions = {},
): Promise<Result> {
  const session = sessions.load(await currentLoadInput(sessions, 'POST (Next.js Server Action)', options));
  let result: Result;
  try {
    result = await action(session);
  } catch (error) {
    await commitToCookies(sessions, session, controlFlowStatus(error) ?? 500);
    throw error;
  }
  await commitToCookies(sessions, session, 200);
  return result;
}
