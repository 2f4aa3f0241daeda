/**
 * Sessions in Server Components: read-only. A Server Component renders after the response has
 * started (streaming), so Next refuses to set cookies there; a session read from one is never
 * committed, so nothing ever tries to write. The cost: reading does not extend the idle window
 * (the next Server Action, Route Handler or middleware pass that uses the session does).
 */
import type { Session, SessionData, Sessions } from '../../index.ts';
import { currentLoadInput, type NextHeadersOptions } from './request-cookies.ts';

/** The reading half of {@link Session}: what a Server Component may do with a session. */
export type ReadonlySession<Data extends SessionData = SessionData> = Pick<
  Session<Data>,
  'get' | 'has' | 'entries' | 'userId' | 'info' | 'existingCsrfToken' | 'requireRecentAuth' | 'isNew'
>;

/**
 * The current request's session for a Server Component, as a read-only view (no `set`, `login`,
 * `destroy`, `consumeFlash`: those need a cookie). The first read costs one store round trip;
 * wrap the call in React's `cache()` to share one load between the components of a render.
 * An expired or unknown ticket reads as an empty session; its cookie is cleared by the next
 * request that can write.
 *
 * @example
 * ```tsx
 * export default async function Page() {
 *   const session = await readSession(sessions);
 *   return <p>Signed in as {(await session.userId()) ?? 'nobody'}</p>;
 * }
 * ```
 */
export async function readSession<Data extends SessionData>(
  sessions: Sessions<Data>,
  options: NextHeadersOptions = {},
): Promise<ReadonlySession<Data>> {
  const session = sessions.load(await currentLoadInput(sessions, 'GET (Next.js Server Component)', options));
  // A plain object, not the Session: a cast back to Session must not reach the writing methods.
  return Object.freeze({
    get: (key) => session.get(key),
    has: (key) => session.has(key),
    entries: () => session.entries(),
    userId: () => session.userId(),
    info: () => session.info(),
    existingCsrfToken: () => session.existingCsrfToken(),
    requireRecentAuth: (maxAge) => session.requireRecentAuth(maxAge),
    get isNew() {
      return session.isNew;
    },
  } satisfies ReadonlySession<Data>);
}
