/**
 * The engine behind coatcheck's property-style sessions: express-session's `req.session.x = 1`
 * (Express, and koa-passport on Koa) and @fastify/session's `request.session.get('x')` (Fastify),
 * as a shell over an ordinary coatcheck Session.
 *
 * - **Eager load.** Property reads are synchronous, so the session is read when the request starts
 *   (one store round trip for a request that carries a ticket; none without one) and its data
 *   copied onto the view object as own properties.
 * - **Diff at commit.** The handler changes the plain object freely (nested values included); at
 *   commit every key is handed to `session.set()`/`delete()`, which compare encodings, so only the
 *   keys that really changed reach the store, as core's per-key patch. Two requests changing
 *   different keys keep both.
 * - **regenerate() ends the old session and starts a fresh one**, as express-session does: the old
 *   record is deleted at once (`session.destroy()`: no forwarding of writes through the old
 *   ticket, and a logout racing it wins), the new one is created at commit if it holds anything.
 *   When the data names a user (`userId`), the commit binds the session to it with `login()`.
 *
 * Adapters give the engine a host (where the view lives on their request) and carry out
 * `commitSync`/`commit` through a ViewSessions (view-sessions.ts).
 */
import {
  type CommitResult,
  type LoadInput,
  type Session,
  SessionStateError,
  type Sessions,
} from '../../index.ts';
import { type CookieSource, SessionCookie } from './session-cookie.ts';
import { sessionIdOf } from './session-id.ts';

/** Where an adapter keeps the view on its request. */
export interface ViewHost<View extends object> {
  /** The request's ticket and metadata, as loaded (used again by `reload()`). */
  readonly input: LoadInput;
  /** A new, empty view object backed by `engine`. */
  readonly create: (engine: SessionView<View>) => View;
  /** Names that are the view's API, never data (`cookie`, `save`, `get`...). */
  readonly reserved: ReadonlySet<string>;
  /** Puts `view` where the handler finds it (`req.session = view`). */
  readonly install: (view: View) => void;
  /** Removes it after `destroy()`, as express-session does (`delete req.session`). */
  readonly uninstall: () => void;
  /** What the handler left there at commit: the installed view, or something else (`req.session = null`). */
  readonly current: () => unknown;
}

/** What the request's handler may configure. */
export interface ViewOptions {
  /**
   * When the handler removed the view (`req.session = null`): `'keep'` leaves the stored session
   * as it was (this request's changes are dropped), `'destroy'` ends it.
   */
  readonly unset: 'keep' | 'destroy';
  /** The user the data says the session belongs to; the commit binds it with `login()`. */
  readonly userId: ((data: Readonly<Record<string, unknown>>) => string | undefined) | undefined;
}

/** One request's property-style session. */
export class SessionView<View extends object> implements CookieSource {
  readonly #sessions: Sessions;
  readonly #host: ViewHost<View>;
  readonly #settings: ViewOptions;
  readonly cookie: SessionCookie;
  /** The handle changes land on; replaced by regenerate() and reload(). */
  #handle: Session;
  /** Handles ended by regenerate(): committed too, so their cookie is cleared if nothing replaces it. */
  readonly #retired: Session[] = [];
  /** The handle loaded from the request's ticket (reload() reads it again), until regenerate(). */
  #ticketed: Session | undefined;
  #view: View | undefined;
  /** Each exposed key's value as loaded: keys gone from the view are deleted at commit. */
  #loaded = new Map<string, unknown>();
  #owner: string | null = null;
  #remembered = false;
  #expiresAt: number | undefined;
  #rememberRequest: boolean | undefined;
  #destroyed = false;
  #committing = false;
  #id: string | undefined;
  /** regenerate/reload/destroy calls in flight: the commit waits for them. */
  readonly #work = new Set<Promise<void>>();
  /** A failure of such a call nobody was told about (no callback): the commit fails with it. */
  #failure: unknown;
  #prepared: Promise<void> | null | undefined;

  constructor(sessions: Sessions, handle: Session, host: ViewHost<View>, settings: ViewOptions) {
    this.#sessions = sessions;
    this.#handle = handle;
    this.#ticketed = handle;
    this.#host = host;
    this.#settings = settings;
    this.cookie = new SessionCookie(this);
  }

  get options(): Sessions['options'] {
    return this.#sessions.options;
  }

  /** The live coatcheck Session (for code that wants the typed async API next to the view). */
  get handle(): Session {
    return this.#handle;
  }

  /** Loads the session (one store round trip when the request has a ticket) and installs its view. */
  async open(): Promise<void> {
    await this.#adopt(this.#handle);
  }

  /** The session's public id (see session-id.ts); kept after destroy(), as express-session keeps it. */
  sessionId(): string {
    this.#id ??= sessionIdOf(this.#handle);
    return this.#id;
  }

  /** The view's data as a plain object (a copy). */
  data(): Record<string, unknown> {
    const view = this.#view;
    const data: Record<string, unknown> = {};
    if (view === undefined) return data;
    for (const key of Object.keys(view)) {
      if (!this.#host.reserved.has(key)) data[key] = (view as Record<string, unknown>)[key];
    }
    return data;
  }

  remembered(): boolean {
    return this.#rememberRequest ?? this.#remembered;
  }

  expiresAt(): number | undefined {
    return this.remembered() === this.#remembered ? this.#expiresAt : undefined;
  }

  requestRemember(on: boolean): void {
    this.#assertUsable();
    this.#rememberRequest = on;
  }

  /**
   * Ends the session and starts a fresh, empty one under a new ticket (see the file comment).
   * `keep` names keys copied from the old view (@fastify/session's `regenerate(ignoreFields)`).
   */
  regenerate(keep: readonly string[] = []): Promise<void> {
    return this.#track(async () => {
      const old = this.#view;
      await this.#handle.destroy();
      this.#retired.push(this.#handle);
      this.#ticketed = undefined;
      this.#destroyed = false;
      const fresh = this.#sessions.load({ ...this.#host.input, cookie: undefined, header: undefined });
      await this.#adopt(fresh);
      if (old === undefined) return;
      const view = this.#view as Record<string, unknown>;
      for (const key of keep) {
        if (!this.#host.reserved.has(key) && Object.hasOwn(old, key)) {
          view[key] = (old as Record<string, unknown>)[key];
        }
      }
    });
  }

  /**
   * Reads the session again from the store into a new view, dropping this request's changes.
   * Rejects with "failed to load session" (express-session's message) when it is not stored.
   */
  reload(): Promise<void> {
    return this.#track(async () => {
      if (this.#ticketed === undefined || this.#destroyed) throw new Error('failed to load session');
      const again = this.#sessions.load(this.#host.input);
      await again.load();
      if (again.isNew) throw new Error('failed to load session');
      this.#ticketed = again;
      await this.#adopt(again);
    });
  }

  /** Ends the session now and removes the view from the request (express-session's `destroy`). */
  destroy(): Promise<void> {
    return this.#track(async () => {
      this.sessionId();
      await this.#handle.destroy();
      this.#destroyed = true;
      this.#host.uninstall();
    });
  }

  /**
   * express-session's `save()`: nothing to do early, since the commit runs before the response's
   * headers leave (a redirect after `save(cb)` still finds the session stored). Rejects once the
   * session is committed, when a change could no longer be stored.
   */
  save(): Promise<void> {
    return this.#track(async () => {});
  }

  /** Runs `operation(callback)` style: the callback gets the error, else the commit does. */
  callback(work: Promise<void>, callback: ((error?: unknown) => void) | undefined): void {
    work.then(
      () => this.#call(callback, undefined),
      (error: unknown) => this.#call(callback, error),
    );
  }

  /** The commit without a store write, when the view changed nothing; undefined otherwise. */
  commitSync(status: number): CommitResult | undefined {
    if (this.#work.size > 0 || this.#failure !== undefined || this.#retired.length > 0) return undefined;
    if (this.#prepare(status) !== null) return undefined;
    const result = this.#sessions.commitSync(this.#handle, { status });
    if (result !== undefined) this.#committing = true;
    return result;
  }

  /** Saves the view's changes as one patch (after the calls in flight) and commits every handle. */
  async commit(status: number): Promise<CommitResult> {
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
    this.#committing = true;
    if (this.#failure !== undefined) throw this.#failure;
    await this.#prepare(status);
    const retired: CommitResult[] = [];
    for (const handle of this.#retired) retired.push(await this.#sessions.commit(handle, { status }));
    return merged(retired, await this.#sessions.commit(this.#handle, { status }));
  }

  async #adopt(handle: Session): Promise<void> {
    const [entries, info] = await Promise.all([handle.entries(), handle.info()]);
    const view = this.#host.create(this);
    const loaded = new Map<string, unknown>();
    for (const [key, value] of Object.entries(entries)) {
      // A stored key named like the view's API stays in the store, unseen and untouched.
      if (this.#host.reserved.has(key)) continue;
      (view as Record<string, unknown>)[key] = value;
      loaded.set(key, value);
    }
    this.#handle = handle;
    this.#view = view;
    this.#loaded = loaded;
    this.#owner = info.userId;
    this.#remembered = info.rememberMe;
    this.#expiresAt = info.expiresAt;
    this.#rememberRequest = undefined;
    this.#id = undefined;
    this.#host.install(view);
  }

  /**
   * Hands the view's changes to the handle (once): a set per key whose value may have changed, a
   * delete per loaded key that is gone, remember-me and the user binding. Null when nothing to do.
   */
  #prepare(status: number): Promise<void> | null {
    if (this.#prepared !== undefined) return this.#prepared;
    const work: Promise<void>[] = [];
    const view = this.#view;
    // A failed response saves nothing anyway: no need to compute (or look up a user limit for) it.
    if (view !== undefined && !this.#destroyed && status < 500) {
      if (this.#host.current() === view) this.#diff(view as Record<string, unknown>, work);
      else if (this.#settings.unset === 'destroy') work.push(this.#handle.destroy());
    }
    this.#prepared = work.length === 0 ? null : Promise.all(work).then(() => undefined);
    return this.#prepared;
  }

  #diff(view: Record<string, unknown>, work: Promise<void>[]): void {
    const handle = this.#handle;
    for (const key of Object.keys(view)) {
      if (this.#host.reserved.has(key)) continue;
      const value = view[key];
      if (this.#loaded.has(key) && isPrimitive(value) && Object.is(this.#loaded.get(key), value)) continue;
      // Core compares the encoding with what was loaded: an unchanged object is no change.
      work.push(handle.set(key, value));
    }
    for (const key of this.#loaded.keys()) if (!Object.hasOwn(view, key)) work.push(handle.delete(key));
    const remember = this.#rememberRequest;
    if (remember !== undefined && remember !== this.#remembered) work.push(handle.rememberMe(remember));
    const resolve = this.#settings.userId;
    if (resolve === undefined) return;
    try {
      const userId = resolve(this.data());
      if (userId !== undefined && userId !== this.#owner) work.push(handle.login(userId));
    } catch (error) {
      work.push(Promise.reject(error));
    }
  }

  #track(run: () => Promise<void>): Promise<void> {
    let work: Promise<void>;
    try {
      this.#assertUsable();
      work = run();
    } catch (error) {
      work = Promise.reject(error);
    }
    this.#work.add(work);
    // Removed before anyone hears of the outcome: a callback that ends the response commits at once.
    const done = () => {
      this.#work.delete(work);
    };
    work.then(done, done);
    return work;
  }

  #call(callback: ((error?: unknown) => void) | undefined, error: unknown): void {
    if (callback === undefined) {
      if (error !== undefined) this.#failure ??= error;
      return;
    }
    try {
      if (error === undefined) callback();
      else callback(error);
    } catch (thrown) {
      // A throwing callback must not become an unhandled rejection; the commit reports it.
      this.#failure ??= thrown;
    }
  }

  #assertUsable(): void {
    if (this.#committing) {
      throw new SessionStateError('This session was already committed; use it before the response is sent.');
    }
  }
}

/** A value compared by identity (anything else is compared by core, on its encoding). */
function isPrimitive(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

/**
 * One response's headers from the ended handles and the live one: the live ticket's cookie when it
 * sets one, else the clearing of the ended session's.
 */
function merged(retired: readonly CommitResult[], live: CommitResult): CommitResult {
  if (retired.length === 0) return live;
  const issues = live.setCookie !== undefined || live.headerTicket !== undefined;
  const clearing = retired.findLast((result) => result.setCookie !== undefined)?.setCookie;
  return {
    ...live,
    setCookie: issues ? live.setCookie : (live.setCookie ?? clearing),
    varyCookie: live.varyCookie || retired.some((result) => result.varyCookie),
    noStore: live.noStore || (!issues && clearing !== undefined),
    // Clear-Site-Data would also drop the new ticket's cookie: only when none is issued.
    clearSiteData: !issues && retired.some((result) => result.clearSiteData),
  };
}
