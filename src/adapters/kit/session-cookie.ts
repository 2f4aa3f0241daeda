/**
 * `req.session.cookie` of the property-style sessions: express-session's Cookie, read from
 * coatcheck's cookie settings and the session's idle window. Its lifetime maps onto the two
 * windows coatcheck has: the ordinary one (a browser-session cookie, or with `cookie.persistent`
 * a Max-Age of the idle window) and remember-me (`rememberMe`). Per-request attributes do not
 * exist in coatcheck (one cookie configuration per app), so changing one throws instead of being
 * silently ignored.
 */
import type { Sessions } from '../../index.ts';

/** What the cookie reads from the session it belongs to (implemented by SessionView). */
export interface CookieSource {
  readonly options: Sessions['options'];
  /** Remember-me is on, counting a change asked for in this request. */
  remembered(): boolean;
  /** The loaded session's idle deadline (ms), undefined for a new window (new session, or a lifetime change). */
  expiresAt(): number | undefined;
  /** Asks for remember-me on or off; applied (`session.rememberMe()`) at commit. */
  requestRemember(on: boolean): void;
}

/** A cookie lifetime as express-session takes it: ms, a Date, or null/false for a browser-session cookie. */
type Lifetime = number | Date | null | undefined | false;

/** The session cookie's attributes and lifetime, express-session style. */
export class SessionCookie {
  readonly #source: CookieSource;

  constructor(source: CookieSource) {
    this.#source = source;
  }

  /**
   * Milliseconds until the cookie expires, or `null` for a browser-session cookie. Setting a
   * positive number longer than the ordinary window (or any positive number without
   * `cookie.persistent`) turns remember-me on: the cookie then lasts the `rememberMe` duration.
   * A smaller one (with `cookie.persistent`), `null`, `false` or `0` turns it off.
   */
  get maxAge(): number | null {
    const source = this.#source;
    if (!source.remembered() && source.options.cookie?.persistent !== true) return null;
    const expiresAt = source.expiresAt();
    if (expiresAt !== undefined) return Math.max(0, expiresAt - source.options.now());
    return this.#window();
  }

  set maxAge(value: Lifetime) {
    if (value instanceof Date) {
      this.expires = value;
      return;
    }
    if (value !== null && value !== undefined && value !== false && typeof value !== 'number') {
      throw new TypeError('req.session.cookie.maxAge must be a number of milliseconds, a Date or null.');
    }
    const source = this.#source;
    const persistent = source.options.cookie?.persistent === true;
    const ms = typeof value === 'number' && value > 0 ? value : 0;
    source.requestRemember(ms > 0 && !(persistent && ms <= source.options.idleMs));
  }

  /** When the cookie expires, or `null` for a browser-session cookie. Setting it is setting `maxAge`. */
  get expires(): Date | null {
    const maxAge = this.maxAge;
    return maxAge === null ? null : new Date(this.#source.options.now() + maxAge);
  }

  set expires(value: Lifetime) {
    if (value instanceof Date) {
      this.maxAge = value.getTime() - this.#source.options.now();
      return;
    }
    if (value !== null && value !== undefined && value !== false) {
      throw new TypeError('req.session.cookie.expires must be a Date or null.');
    }
    this.maxAge = null;
  }

  /** The cookie's full lifetime when it is (re)sent: the current window, or `null` for a browser-session cookie. */
  get originalMaxAge(): number | null {
    const source = this.#source;
    if (!source.remembered() && source.options.cookie?.persistent !== true) return null;
    return this.#window();
  }

  /**
   * `HttpOnly`, from the middleware's `cookie.httpOnly`. One configuration per app: assigning a different value throws TypeError (naming
   * the option to set instead); assigning the same value is a no-op, as express-session apps do.
   */
  get httpOnly(): boolean {
    return this.#settings().httpOnly;
  }
  set httpOnly(value: boolean) {
    this.#same('httpOnly', value);
  }

  /**
   * `Secure`, from the middleware's `cookie.secure`. One configuration per app: assigning a different value throws TypeError (naming
   * the option to set instead); assigning the same value is a no-op, as express-session apps do.
   */
  get secure(): boolean {
    return this.#settings().secure;
  }
  set secure(value: boolean) {
    this.#same('secure', value);
  }

  /**
   * `SameSite`, from the middleware's `cookie.sameSite`. One configuration per app: assigning a different value throws TypeError (naming
   * the option to set instead); assigning the same value is a no-op, as express-session apps do.
   */
  get sameSite(): 'lax' | 'strict' | 'none' {
    return this.#settings().sameSite;
  }
  set sameSite(value: 'lax' | 'strict' | 'none') {
    this.#same('sameSite', value);
  }

  /**
   * `Domain`, from the middleware's `cookie.domain` (`undefined`: host-only). One configuration per app: assigning a different value throws TypeError (naming
   * the option to set instead); assigning the same value is a no-op, as express-session apps do.
   */
  get domain(): string | undefined {
    return this.#settings().domain;
  }
  set domain(value: string | undefined) {
    this.#same('domain', value);
  }

  /**
   * `Path`, from the middleware's `cookie.path`. One configuration per app: assigning a different value throws TypeError (naming
   * the option to set instead); assigning the same value is a no-op, as express-session apps do.
   */
  get path(): string {
    return this.#settings().path;
  }
  set path(value: string) {
    this.#same('path', value);
  }

  /**
   * `Partitioned`, from the middleware's `cookie.partitioned`. One configuration per app: assigning a different value throws TypeError (naming
   * the option to set instead); assigning the same value is a no-op, as express-session apps do.
   */
  get partitioned(): boolean {
    return this.#settings().partitioned;
  }
  set partitioned(value: boolean) {
    this.#same('partitioned', value);
  }

  /** The attributes as express-session's `cookie.data` reports them. */
  get data() {
    const settings = this.#settings();
    return {
      originalMaxAge: this.originalMaxAge,
      expires: this.expires,
      secure: settings.secure,
      httpOnly: settings.httpOnly,
      domain: settings.domain,
      path: settings.path,
      sameSite: settings.sameSite,
      partitioned: settings.partitioned,
    };
  }

  /** The cookie's settings as a plain object, as express-session serializes `req.session.cookie`. */
  toJSON() {
    return this.data;
  }

  /** The idle window a (re)sent cookie gets: remember-me's when remembered. */
  #window(): number {
    const { idleMs, rememberMs } = this.#source.options;
    return this.#source.remembered() ? Math.max(idleMs, rememberMs) : idleMs;
  }

  #settings(): NonNullable<Sessions['options']['cookie']> {
    const cookie = this.#source.options.cookie;
    if (cookie === undefined) {
      throw new TypeError('This session has no cookie: the sessions were created with `cookie: false`.');
    }
    return cookie;
  }

  #same<K extends 'httpOnly' | 'secure' | 'sameSite' | 'domain' | 'path' | 'partitioned'>(
    name: K,
    value: unknown,
  ): void {
    if (this.#settings()[name] === value) return;
    throw new TypeError(
      `req.session.cookie.${name} cannot change per request under coatcheck (one cookie configuration per app): set \`cookie.${name}\` in the middleware options instead.`,
    );
  }
}
