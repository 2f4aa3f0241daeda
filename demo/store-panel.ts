/**
 * "What the server stores": the session's server-side record next to what the browser holds,
 * the coat-check picture. The browser's side is read from the request's own Cookie header.
 */
import type { Ctx } from './context.ts';
import { formatTime, html, type SafeHtml } from './html.ts';

/** The value of cookie `name` in a Cookie header (first occurrence), or `undefined`. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Shows the start and end of a ticket only: enough to tell two apart, not enough to use one. */
function truncate(value: string): string {
  return value.length <= 14 ? value : `${value.slice(0, 8)}…${value.slice(-4)}`;
}

/**
 * Who the session belongs to, by username: the record holds only the user's id (an internal
 * number), which means nothing to the person looking at the page.
 */
function userLabel(ctx: Ctx, userId: string | null): string {
  if (userId === null) return 'anonymous';
  return ctx.app.users.byId(userId)?.username ?? 'a deleted account';
}

/** Renders the panel for the current request's session. */
export async function storePanel(ctx: Ctx): Promise<SafeHtml> {
  const { session, app } = ctx;
  const info = await session.info();
  const data = await session.entries();
  const ticket = cookieValue(ctx.req.headers.cookie, app.cookieName);

  const browser =
    ticket === undefined
      ? html`<p class="muted">No cookie at all. Nothing has been stored yet, so nothing was handed out.</p>`
      : html`<dl>
          <dt>Cookie</dt><dd><code>${app.cookieName}=${truncate(ticket)}</code> <span class="muted">(${ticket.length} characters)</span></dd>
        </dl>
        <p class="muted">A random 256-bit ticket, HttpOnly so page scripts cannot read it. No user id, no cart, nothing to decode.</p>`;

  const server = info.isNew
    ? html`<p class="muted">${ticket === undefined ? 'Nothing yet: a visit that changes nothing costs no storage.' : 'Nothing: this ticket is unknown (expired, revoked or logged out). The browser is told to drop it.'}</p>`
    : html`<dl>
          <dt>User</dt><dd>${userLabel(ctx, info.userId)}</dd>
          <dt>Created</dt><dd>${formatTime(info.createdAt)}</dd>
          <dt>Last seen</dt><dd>${formatTime(info.lastSeenAt)}</dd>
          <dt>Expires</dt><dd>${formatTime(info.expiresAt)} <span class="muted">(idle)</span></dd>
          <dt>Ends at latest</dt><dd>${formatTime(info.absoluteExpiresAt)} <span class="muted">(absolute)</span></dd>
          <dt>Remember me</dt><dd>${info.rememberMe ? 'yes (persistent cookie)' : 'no (browser-session cookie)'}</dd>
          <dt>Logged in</dt><dd>${formatTime(info.authTime)}</dd>
        </dl>
        <pre>${JSON.stringify(data, null, 2)}</pre>
        <p class="muted">Stored under a SHA-256 hash of the ticket, so a copy of the store holds no usable ticket.</p>`;

  return html`<aside class="card panel" aria-label="What the server stores">
    <h2>What your browser holds</h2>
    <div class="side">${browser}</div>
    <h2>What the server stores</h2>
    <div class="side">${server}</div>
    <p class="muted">Store: <code>${app.storeLabel}</code></p>
  </aside>`;
}
