/**
 * What every demo handler receives, and the small response helpers they share.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Session, Sessions, Store } from '../src/index.ts';
import type { SafeHtml } from './html.ts';
import type { DemoTelemetry } from './telemetry.ts';
import type { Users } from './users.ts';

/** The demo's session data: one cart of item names. Login state, flash and CSRF live in core's metadata. */
export type DemoData = { cart?: string[] };

/** A one-time message shown after a POST-redirect-GET. */
export interface Flash {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

/** Process-wide parts of the demo. */
export interface DemoApp {
  readonly sessions: Sessions<DemoData>;
  readonly users: Users;
  /** The session cookie's name, to show the browser's side of the coat check. */
  readonly cookieName: string;
  /** Where sessions live, for the "what the server stores" panel, e.g. `sqlite (./data/sessions.db)`. */
  readonly storeLabel: string;
  /** The origin forms must come from; `undefined` means `http://<Host header>`. */
  readonly origin: string | undefined;
  /** The sessions' store, for the admin page's census of live sessions. */
  readonly store: Store;
  /** Metrics for `/metrics` and the admin page's charts. */
  readonly telemetry: DemoTelemetry;
  /** The username that may open the admin page (`DEMO_ADMIN`, default `admin`). */
  readonly adminName: string;
}

/** One request. `form` is the parsed urlencoded body (empty for GET). */
export interface Ctx {
  readonly app: DemoApp;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly session: Session<DemoData>;
  readonly url: URL;
  readonly form: URLSearchParams;
}

/** The origin this request's forms must come from. */
export function expectedOrigin(ctx: Pick<Ctx, 'app' | 'req'>): string {
  return ctx.app.origin ?? `http://${ctx.req.headers.host ?? 'localhost'}`;
}

/** Answers with a whole HTML page. */
export function sendHtml(ctx: Ctx, status: number, page: SafeHtml): void {
  ctx.res.statusCode = status;
  ctx.res.setHeader('content-type', 'text/html; charset=utf-8');
  ctx.res.setHeader('cache-control', 'no-store');
  ctx.res.setHeader('x-frame-options', 'DENY');
  ctx.res.setHeader(
    'content-security-policy',
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  );
  ctx.res.end(page.value);
}

/** POST-redirect-GET: stores `flash` for the next page (when given) and answers 303. */
export async function redirect(ctx: Ctx, location: string, flash?: Flash): Promise<void> {
  if (flash !== undefined) await ctx.session.flash('notice', flash);
  ctx.res.statusCode = 303;
  ctx.res.setHeader('location', location);
  ctx.res.end();
}

/**
 * The CSRF token to put in forms. A visitor without a session gets none: minting one would store a
 * session (and set a cookie) on a first visit that changed nothing. Their first POST is checked by
 * Fetch Metadata / Origin instead (see router.ts).
 */
export async function formToken(session: Session<DemoData>): Promise<string | undefined> {
  const info = await session.info();
  return info.isNew ? session.existingCsrfToken() : session.csrfToken();
}
