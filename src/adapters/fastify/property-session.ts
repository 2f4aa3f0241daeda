/**
 * coatcheck/fastify's `propertySession` plugin: `request.session` as @fastify/session's object
 * (`get`/`set` synchronous, `regenerate(keep?)`, `destroy`, `reload`, `save`, `sessionId`,
 * `cookie`, the data as its own properties), which is what @fastify/passport and @fastify/flash
 * call. Built on the ordinary plugin (load in `onRequest`, commit in `onSend`), given a
 * ViewSessions so the commit saves the view's changes as one per-key patch first.
 *
 * The session is read when the request starts (one store round trip for a request with a ticket),
 * since `get` is synchronous.
 */
import type { FastifyInstance } from 'fastify';
import type { Session, SessionData, Sessions } from '../../index.ts';
import { type UserIdOption, userIdResolver } from '../kit/passport-user.ts';
import { loadInput, nodeHeader, requestContext } from '../kit/request.ts';
import type { SessionCookie } from '../kit/session-cookie.ts';
import { SessionView } from '../kit/session-view.ts';
import { viewSessions } from '../kit/view-sessions.ts';

type Callback = (error?: unknown) => void;

/** @fastify/session's `Session`: its data as properties, plus its methods. */
export class FastifyStyleSession<Data extends SessionData = SessionData> {
  readonly #view: SessionView<FastifyStyleSession<Data>>;

  /** Made by the plugin, one per request (and one more per `regenerate()` or `reload()`). */
  constructor(view: SessionView<FastifyStyleSession<Data>>) {
    this.#view = view;
  }

  /** The value at `key` (synchronous: the session was loaded when the request started). */
  get<K extends keyof Data & string>(key: K): Data[K] | undefined {
    return (this as unknown as Partial<Data>)[key];
  }

  /** Sets `key`; `undefined` removes it. Saved at commit, with the other changes, as one patch. */
  set<K extends keyof Data & string>(key: K, value: Data[K] | undefined): void {
    const data = this as unknown as Record<string, unknown>;
    if (value === undefined) delete data[key];
    else data[key] = value;
  }

  /** The data as a plain object (a copy). */
  data(): Partial<Data> {
    return this.#view.data() as Partial<Data>;
  }

  /** The session's id: the SHA-256 store key of its ticket, never the ticket. */
  get sessionId(): string {
    return this.#view.sessionId();
  }

  /** The session cookie (`maxAge`, `expires`, `httpOnly`, ...). */
  get cookie(): SessionCookie {
    return this.#view.cookie;
  }

  /**
   * Ends this session (its record is deleted now) and puts a fresh one with a new ticket on the
   * request, carrying over the keys in `keep` (@fastify/session's `ignoreFields`).
   */
  regenerate(keep?: readonly string[] | Callback, callback?: Callback): Promise<void> {
    const fields = Array.isArray(keep) ? keep : [];
    return this.#settle(this.#view.regenerate(fields), typeof keep === 'function' ? keep : callback);
  }

  /** Ends the session now; the cookie is cleared when the reply goes out. */
  destroy(callback?: Callback): Promise<void> {
    return this.#settle(this.#view.destroy(), callback);
  }

  /** Reads the session again from the store into a new `request.session`, dropping this request's changes. */
  reload(callback?: Callback): Promise<void> {
    return this.#settle(this.#view.reload(), callback);
  }

  /** Nothing to do early: the changes are saved before the reply's headers leave. */
  save(callback?: Callback): Promise<void> {
    return this.#settle(this.#view.save(), callback);
  }

  /** Nothing to do: the idle window slides by itself (throttled by `touchAfter`). */
  touch(): void {}

  #settle(work: Promise<void>, callback: Callback | undefined): Promise<void> {
    if (callback === undefined) return work;
    this.#view.callback(work, callback);
    return work.then(
      () => {},
      () => {},
    );
  }
}

/** Names that are `FastifyStyleSession`'s API, never session data. */
export const FASTIFY_STYLE_RESERVED: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(FastifyStyleSession.prototype),
  'encryptedSessionId',
]);

/** Options of the `propertySession` plugin. */
export interface PropertySessionPluginOptions<Data extends SessionData = SessionData> {
  /** The session manager from `createSessions()`. Required. */
  readonly sessions: Sessions<Data>;
  /**
   * The user the session's data belongs to, bound with coatcheck's `login()` at commit. Default
   * passport's `passport` key (a string or a number); `false` binds no user.
   */
  readonly userId?: UserIdOption;
}

/** coatcheck/fastify's ordinary plugin, as this module calls it (fastify.ts passes it in). */
export type OrdinaryFastifyPlugin = (
  fastify: FastifyInstance,
  options: { readonly sessions: Sessions },
  done: (error?: Error) => void,
) => void;

/** The `propertySession` plugin of coatcheck/fastify, over its ordinary plugin (see there). */
export function propertySessionOver(
  ordinary: OrdinaryFastifyPlugin,
  fastify: FastifyInstance,
  options: PropertySessionPluginOptions,
  done: (error?: Error) => void,
): void {
  const sessions = options?.sessions;
  if (sessions === undefined || typeof sessions.load !== 'function') {
    done(
      new TypeError('coatcheck/fastify: pass `{ sessions }` (from createSessions) as the plugin options.'),
    );
    return;
  }
  const committing = viewSessions(sessions);
  const settings = { unset: 'keep', userId: userIdResolver(options.userId) } as const;
  ordinary(fastify, { sessions: committing.sessions }, (error) => {
    if (error !== undefined) {
      done(error);
      return;
    }
    fastify.addHook('onRequest', async function coatcheckPropertySession(request) {
      const target = request as unknown as { session: unknown };
      const handle = target.session as Session;
      const view = new SessionView<FastifyStyleSession>(
        committing.inner,
        handle,
        {
          input: loadInput(sessions, request.headers, nodeHeader, {
            ip: () => request.ip,
            context: () => requestContext(request.method, request.url),
          }),
          reserved: FASTIFY_STYLE_RESERVED,
          create: (engine) => {
            const made = new FastifyStyleSession(engine);
            // The onSend hook commits whatever request.session holds: it must find the view from it.
            committing.attach(made, engine);
            return made;
          },
          install: (installed) => {
            target.session = installed;
          },
          // The view stays on the request after destroy(), so the commit still clears the cookie.
          uninstall: () => {},
          current: () => target.session,
        },
        settings,
      );
      committing.attach(handle, view);
      await view.open();
    });
    done();
  });
}
