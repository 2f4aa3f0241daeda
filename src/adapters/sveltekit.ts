/**
 * SvelteKit adapter, over the Web adapter: a `handle` hook that puts the request's session in
 * `event.locals.session` and commits it onto the response that `resolve` returns (Set-Cookie,
 * Vary, Cache-Control), for pages, form actions, `+server.ts` endpoints and the `__data.json`
 * requests of client-side navigation alike. Runs wherever SvelteKit's server runs. Only types are
 * imported from `@sveltejs/kit`.
 *
 * Type `event.locals.session` once, in `src/app.d.ts`:
 * ```ts
 * import type { SessionLocals } from 'coatcheck/sveltekit';
 * declare global {
 *   namespace App {
 *     interface Locals extends SessionLocals<{ count: number }> {}
 *   }
 * }
 * export {};
 * ```
 */
import type { Handle, RequestEvent } from '@sveltejs/kit';
import type { Session, SessionData, Sessions } from '../index.ts';
import { commitResponse, errorResponse, loadSession } from './web.ts';

/** What `handleSession` adds to `event.locals`: extend `App.Locals` with it. */
export interface SessionLocals<Data extends SessionData = SessionData> {
  /** This request's session, loaded lazily: no store call until first use. */
  session: Session<Data>;
}

/** Options of the SvelteKit hook. */
export interface SvelteKitSessionOptions {
  /**
   * The client address to record at login. Default: `event.getClientAddress()` (which adapters
   * fill from the socket or a configured header), or none where it throws (prerendering).
   */
  readonly ip?: (event: RequestEvent) => string | undefined;
}

/**
 * Creates the `handle` hook. Compose it with others through `sequence()` from
 * `@sveltejs/kit/hooks`; hooks after it see `event.locals.session`. A store failure while
 * committing answers 503 (StoreUnavailableError, code COATCHECK_STORE_UNAVAILABLE).
 *
 * @example
 * ```ts
 * // src/hooks.server.ts
 * export const handle = handleSession(createSessions<{ count: number }>({ store: memoryStore() }));
 * // src/routes/+page.server.ts
 * export const load = async ({ locals }) => ({ user: await locals.session.userId() });
 * ```
 */
export function handleSession<Data extends SessionData>(
  sessions: Sessions<Data>,
  options: SvelteKitSessionOptions = {},
): Handle {
  const lookup = options.ip ?? clientAddress;
  return async function coatcheckSvelteKit({ event, resolve }) {
    // Looked up only if login() records it.
    const session = loadSession(sessions, event.request, { ip: () => lookup(event) });
    // App.Locals is the app's to declare (see SessionLocals); this module cannot see it.
    (event.locals as SessionLocals<Data>).session = session;
    const response = await resolve(event);
    try {
      return await commitResponse(sessions, session, response);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

function clientAddress(event: RequestEvent): string | undefined {
  try {
    return event.getClientAddress();
  } catch {
    return undefined;
  }
}
