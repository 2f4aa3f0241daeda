/**
 * The object express-session puts on `req.session`, over a SessionView: the session's data as its
 * own enumerable properties, and express-session's methods (callback style, returning the
 * session) and `id`/`cookie` on the prototype, not enumerable, so `Object.keys(req.session)` and
 * passport's `keepSessionInfo` merge see data only. Used by coatcheck/express-session, and by
 * coatcheck/koa's koaSessionCompat (koa-passport drives passport's express-session calls).
 */
import type { SessionCookie } from './session-cookie.ts';
import type { SessionView } from './session-view.ts';

type Callback = (error?: unknown) => void;

/** express-session's `Session`: data properties plus its methods. */
export class ExpressStyleSession {
  readonly #view: SessionView<ExpressStyleSession>;

  /** Made by the middleware, one per request (and one more per `regenerate()` or `reload()`). */
  constructor(view: SessionView<ExpressStyleSession>) {
    this.#view = view;
  }

  /** The session's id: the SHA-256 store key of its ticket (never the ticket), as `req.sessionID`. */
  get id(): string {
    return this.#view.sessionId();
  }

  /** The session cookie (`maxAge`, `expires`, `originalMaxAge`, `httpOnly`, ...). */
  get cookie(): SessionCookie {
    return this.#view.cookie;
  }

  /**
   * Ends this session (its record is deleted now) and puts a fresh, empty session with a new ticket
   * on the request; `callback` runs once that is done. The new session is stored at commit if it
   * holds anything.
   */
  regenerate(callback?: Callback): this {
    this.#view.callback(this.#view.regenerate(), callback);
    return this;
  }

  /** Ends the session now and removes `req.session`; the cookie is cleared when the response goes out. */
  destroy(callback?: Callback): this {
    this.#view.callback(this.#view.destroy(), callback);
    return this;
  }

  /**
   * Reads the session again from the store, replacing `req.session` and dropping this request's
   * changes; the callback gets `Error('failed to load session')` when it is not stored.
   */
  reload(callback?: Callback): this {
    this.#view.callback(this.#view.reload(), callback);
    return this;
  }

  /**
   * Calls back at once: the changes are saved, as one patch, before the response's headers leave,
   * so `req.session.save(() => res.redirect('/'))` finds them stored on the next request.
   */
  save(callback?: Callback): this {
    this.#view.callback(this.#view.save(), callback);
    return this;
  }

  /** Nothing to do: the idle window slides by itself (throttled by `touchAfter`). */
  touch(): this {
    return this;
  }

  /** Nothing to do: the cookie's Max-Age is recomputed whenever it is sent. */
  resetMaxAge(): this {
    return this;
  }
}

/** Names that are `ExpressStyleSession`'s API, never session data. */
export const EXPRESS_STYLE_RESERVED: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(ExpressStyleSession.prototype),
  'req',
]);
