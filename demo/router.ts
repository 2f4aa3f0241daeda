/**
 * The demo's router: one table of routes, the form-body parser and the CSRF gate every POST
 * passes before its handler runs.
 */
import type { IncomingMessage } from 'node:http';
import { CsrfError, verifyCsrf } from '../src/index.ts';
import { type Ctx, expectedOrigin, sendHtml } from './context.ts';
import { html } from './html.ts';
import { page, pageWithoutSession } from './layout.ts';
import { showAdmin } from './pages/admin.ts';
import { login, logout, register, showLogin, showRegister } from './pages/auth.ts';
import { addToCart, removeFromCart, showCart } from './pages/cart.ts';
import { showHealth, showMetrics } from './pages/ops.ts';
import { revokeOne, revokeOthers, showSessions } from './pages/sessions.ts';
import { cookieValue } from './store-panel.ts';

type Handler = (ctx: Ctx) => Promise<void>;

const ROUTES: Record<string, Handler> = {
  'GET /': showCart,
  'POST /cart/add': addToCart,
  'POST /cart/remove': removeFromCart,
  'GET /login': showLogin,
  'POST /login': login,
  'GET /register': showRegister,
  'POST /register': register,
  'POST /logout': logout,
  'GET /sessions': showSessions,
  'POST /sessions/revoke': revokeOne,
  'POST /sessions/revoke-others': revokeOthers,
  'GET /admin': showAdmin,
  'GET /metrics': showMetrics,
  'GET /health': showHealth,
};

const MAX_BODY_BYTES = 16 * 1024;

/** Reads an `application/x-www-form-urlencoded` body; `undefined` when it is too large. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function header(ctx: Ctx, name: string): string | undefined {
  const value = ctx.req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The CSRF gate. A session that has handed out a token must get it back (`verifyCsrf`, which also
 * refuses cross-site requests). A visitor without one has never been shown a token, so their first
 * POST (add to cart, log in) must prove it comes from our own pages by Fetch Metadata or Origin:
 * that stops cross-site posts, including login CSRF.
 */
export async function passesCsrf(ctx: Ctx): Promise<boolean> {
  const origin = header(ctx, 'origin');
  const secFetchSite = header(ctx, 'sec-fetch-site');
  const expected = expectedOrigin(ctx);
  if ((await ctx.session.existingCsrfToken()) === undefined) {
    if (secFetchSite !== undefined) return secFetchSite === 'same-origin';
    return origin === expected;
  }
  try {
    await verifyCsrf(ctx.session, {
      method: ctx.req.method ?? 'POST',
      token: ctx.form.get('_csrf'),
      secFetchSite,
      origin,
      expectedOrigin: expected,
    });
    return true;
  } catch (error) {
    if (error instanceof CsrfError) return false;
    throw error;
  }
}

async function problemPage(ctx: Ctx, status: number, title: string, text: string): Promise<void> {
  const body = html`<h1>${title}</h1><p>${text}</p><p><a href="/">Back to the cart</a></p>`;
  sendHtml(ctx, status, await page(ctx, title, body));
}

/**
 * The 403 for a POST that failed the CSRF gate. Without the session cookie (a cross-site post: the
 * browser keeps a SameSite=Lax cookie home) this request knows nothing of the visitor, so the page
 * says so instead of drawing them as logged out; nothing was changed either way.
 */
function refused(ctx: Ctx): Promise<void> | void {
  const text =
    'This form did not carry a valid CSRF token (or came from another site), so nothing was changed.';
  if (cookieValue(ctx.req.headers.cookie, ctx.app.cookieName) !== undefined)
    return problemPage(ctx, 403, 'Request refused', `${text} Reload the page and try again.`);
  const body = html`<h1>Request refused</h1><p>${text}</p>
    <p>It came from another site, so your browser did not send this demo its session cookie: this page
      cannot tell whether you are logged in, and nothing about your session changed.</p>
    <p><a href="/">Back to the demo</a></p>`;
  sendHtml(ctx, 403, pageWithoutSession('Request refused', body));
}

/** Dispatches one request (the session is already attached by `withSessions`). */
export async function route(base: Omit<Ctx, 'form'>): Promise<void> {
  const method = base.req.method ?? 'GET';
  const handler = ROUTES[`${method === 'HEAD' ? 'GET' : method} ${base.url.pathname}`];
  let form = new URLSearchParams();
  if (method === 'POST') {
    const parsed = await readForm(base.req);
    if (parsed === undefined)
      return problemPage({ ...base, form }, 413, 'Too large', 'That form was too large.');
    form = parsed;
  }
  const ctx: Ctx = { ...base, form };
  if (handler === undefined) return problemPage(ctx, 404, 'Not found', 'There is no page here.');
  if (method === 'POST' && !(await passesCsrf(ctx))) return refused(ctx);
  await handler(ctx);
}
