/**
 * Fastify 5 adapter: `fastify.register(coatcheck, { sessions })` decorates every request with
 * `request.session`, loaded in `onRequest` (no I/O: the store is read on first access) and
 * committed in `onSend`, before the headers go out, streamed replies included. A store failure
 * while committing goes through Fastify's error handler as a StoreUnavailableError (status 503).
 * The plugin carries the metadata fastify-plugin would set, so no runtime dependency is needed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CsrfGuardOptions, Session, SessionData, Sessions } from '../index.ts';
import {
  type FastifyStyleSession,
  type OrdinaryFastifyPlugin,
  type PropertySessionPluginOptions,
  propertySessionOver,
} from './fastify/property-session.ts';
import { checkCsrf } from './kit/csrf.ts';
import { loadInput, nodeHeader, requestContext } from './kit/request.ts';
import { applyResponseHeaders, commitThen, type HeaderTarget } from './kit/response.ts';

/**
 * Declaration-merging hook for the type of `request.session` (default `Session<SessionData>`):
 *
 * ```ts
 * declare module 'coatcheck/fastify' {
 *   interface Register { data: { userId?: string; cart: string[] } }
 * }
 * ```
 * Or, with several session types in one program, use {@link getSession}, typed from the instance.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by declaration merging
export interface Register {}

/** The data type of `request.session`: `Register['data']` when registered, else `SessionData`. */
export type RegisteredSessionData = Register extends { data: infer D extends SessionData } ? D : SessionData;

/**
 * The type of `request.session`: a `Session`, or, for an app that registers the property-style
 * plugin's type (`interface Register { session: 'properties' }`), @fastify/session's object.
 */
export type RegisteredRequestSession = Register extends { session: 'properties' }
  ? FastifyStyleSession<RegisteredSessionData> & Partial<RegisteredSessionData>
  : Session<RegisteredSessionData>;

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's session (set by the coatcheck plugin). */
    session: RegisteredRequestSession;
  }
}

/** Options of the plugin. */
export interface CoatcheckFastifyOptions<Data extends SessionData = SessionData> {
  /** The session manager from `createSessions()`. Required. */
  readonly sessions: Sessions<Data>;
}

const COMMITTED = Symbol('coatcheck.committed');
type Marked = FastifyRequest & { [COMMITTED]?: boolean };

/**
 * The plugin. Register it on the root instance (it skips encapsulation, like fastify-plugin), so
 * every route sees `request.session`.
 *
 * @example
 * ```ts
 * const sessions = createSessions<{ count: number }>({ store: memoryStore() });
 * await app.register(coatcheck, { sessions });
 * app.get('/', async (request) => {
 *   const s = getSession(request, sessions); // Session<{ count: number }>
 *   const count = ((await s.get('count')) ?? 0) + 1;
 *   await s.set('count', count);
 *   return { count };
 * });
 * ```
 */
export function coatcheck<Data extends SessionData>(
  fastify: FastifyInstance,
  options: CoatcheckFastifyOptions<Data>,
  done: (error?: Error) => void,
): void {
  const sessions = options?.sessions;
  if (sessions === undefined || typeof sessions.load !== 'function') {
    done(
      new TypeError('coatcheck/fastify: pass `{ sessions }` (from createSessions) as the plugin options.'),
    );
    return;
  }
  fastify.decorateRequest('session', null as unknown as Session<RegisteredSessionData>);
  // Declared, so setting it per request is a plain store in Fastify's request shape, not a new property.
  fastify.decorateRequest(COMMITTED, false);

  fastify.addHook('onRequest', function coatcheckLoad(request, _reply, next) {
    const input = loadInput(sessions, request.headers, nodeHeader, {
      // A getter (trust-proxy rules or the peer address): read only if login() records it.
      ip: () => request.ip,
      context: () => requestContext(request.method, request.url),
    });
    request.session = sessions.load(input) as unknown as Session<RegisteredSessionData>;
    next();
  });

  // Callback form, not async: a commit that needs no store write (an unused or read-only session)
  // then costs no promise at all.
  fastify.addHook('onSend', function coatcheckCommit(request: Marked, reply, payload, done) {
    // The error reply for a failed commit passes through onSend again: commit only once.
    if (request[COMMITTED] === true || request.session === null) {
      done(null, payload);
      return;
    }
    request[COMMITTED] = true;
    commitThen(
      sessions,
      request.session as unknown as Session<Data>,
      reply.statusCode,
      (result) => {
        applyResponseHeaders(result, new ReplyHeaders(reply));
        done(null, payload);
      },
      // To Fastify's error handler, which answers with the error's status (503 for a store outage).
      (error) => done(error instanceof Error ? error : new Error(String(error))),
    );
  });
  done();
}

/** A reply's headers as a HeaderTarget. */
class ReplyHeaders implements HeaderTarget {
  readonly #reply: FastifyReply;
  constructor(reply: FastifyReply) {
    this.#reply = reply;
  }
  get(name: string): string | undefined {
    return this.#reply.getHeader(name)?.toString();
  }
  set(name: string, value: string): void {
    this.#reply.header(name, value);
  }
  append(name: string, value: string): void {
    // Fastify appends Set-Cookie values instead of replacing them.
    this.#reply.header(name, value);
  }
}

Object.defineProperty(coatcheck, Symbol.for('skip-override'), { value: true });
Object.defineProperty(coatcheck, Symbol.for('fastify.display-name'), { value: 'coatcheck' });
Object.defineProperty(coatcheck, Symbol.for('plugin-meta'), {
  value: { name: 'coatcheck', fastify: '5.x' },
});

/** The session of `request`, typed from `sessions`. Throws a TypeError naming the fix when the plugin is missing. */
export function getSession<Data extends SessionData>(
  request: FastifyRequest,
  _sessions: Sessions<Data>,
): Session<Data> {
  const found = (request as { session?: unknown }).session;
  if (found === null || found === undefined) {
    throw new TypeError(
      'No session on this request: `await app.register(coatcheck, { sessions })` from coatcheck/fastify first.',
    );
  }
  return found as Session<Data>;
}

/**
 * Opt-in CSRF check as a `preHandler` hook (it runs after body parsing): use
 * `app.addHook('preHandler', csrfProtection())` or per route `{ preHandler: csrfProtection() }`.
 * Unsafe requests must carry the session's token (header `x-csrf-token`, or `_csrf` in the parsed
 * body) and must not come from another site; a failure throws CsrfError (code COATCHECK_CSRF,
 * status 403) to Fastify's error handler.
 */
export function csrfProtection(options: CsrfGuardOptions = {}) {
  return async function coatcheckFastifyCsrf(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    await checkCsrf(request.session, request.method, request.headers, nodeHeader, request.body, options);
  };
}

export type { CsrfGuardOptions } from '../index.ts';

/**
 * The plugin with `request.session` as @fastify/session's object (`get`/`set` synchronous,
 * `regenerate(keep?)`, `destroy`, `reload`, `save`, `sessionId`, `cookie`), for @fastify/passport
 * and @fastify/flash. Register it instead of `coatcheck`, before them. The session is read when
 * the request starts (one store round trip for a request with a ticket); changes are saved as one
 * per-key patch at commit; `regenerate()` ends the session and starts a fresh one; passport's user
 * is bound as coatcheck's user. For types, register `interface Register { session: 'properties' }`.
 * See docs/passport.md.
 *
 * @example
 * ```ts
 * await app.register(propertySession, { sessions });
 * await app.register(fastifyPassport.initialize());
 * await app.register(fastifyPassport.secureSession());
 * ```
 */
export function propertySession(
  fastify: FastifyInstance,
  options: PropertySessionPluginOptions,
  done: (error?: Error) => void,
): void {
  propertySessionOver(coatcheck as unknown as OrdinaryFastifyPlugin, fastify, options, done);
}

Object.defineProperty(propertySession, Symbol.for('skip-override'), { value: true });
Object.defineProperty(propertySession, Symbol.for('fastify.display-name'), { value: 'coatcheck' });
Object.defineProperty(propertySession, Symbol.for('plugin-meta'), {
  value: { name: 'coatcheck', fastify: '5.x' },
});

export { FastifyStyleSession, type PropertySessionPluginOptions } from './fastify/property-session.ts';

export default coatcheck;
