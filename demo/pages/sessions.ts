/**
 * "Your sessions": every live session of the signed-in user (created, last seen, IP, browser,
 * the current one marked), with revoke per session and "log out everywhere else".
 */
import { type Ctx, formToken, redirect, sendHtml } from '../context.ts';
import { formatTime, html } from '../html.ts';
import { csrfField, page } from '../layout.ts';

/** A short "Chrome 126 on Linux" description of a User-Agent string. */
export function describeBrowser(userAgent: string | undefined): string {
  if (userAgent === undefined || userAgent === '') return 'Unknown browser';
  const browser =
    /(Edg|OPR|Firefox|Chrome|Chromium|Version)\/(\d+)/.exec(userAgent) ??
    /(curl|node|undici|Wget)[/ ]?(\d*)/i.exec(userAgent);
  const os = /(Windows|Android|iPhone|iPad|Mac OS X|Linux|CrOS)/.exec(userAgent)?.[1];
  let name = browser?.[1] ?? 'Unknown browser';
  if (name === 'Version') name = 'Safari';
  if (name === 'Edg') name = 'Edge';
  if (name === 'OPR') name = 'Opera';
  const version = browser?.[2] ? ` ${browser[2]}` : '';
  return `${name}${version}${os === undefined ? '' : ` on ${os === 'Mac OS X' ? 'macOS' : os}`}`;
}

/** The signed-in user's id, or a redirect to the login page. */
async function requireUser(ctx: Ctx): Promise<string | undefined> {
  const userId = await ctx.session.userId();
  if (userId === null) await redirect(ctx, '/login', { kind: 'error', text: 'Log in to see your sessions.' });
  return userId ?? undefined;
}

/** GET /sessions */
export async function showSessions(ctx: Ctx): Promise<void> {
  const userId = await requireUser(ctx);
  if (userId === undefined) return;
  // The store lists sessions in no particular order: this browser first, then the newest login
  // first, so the rows stay where they were between reloads.
  const list = (await ctx.app.sessions.listUser(userId, { current: ctx.session })).sort(
    (a, b) =>
      Number(b.current) - Number(a.current) ||
      b.createdAt - a.createdAt ||
      (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0),
  );
  const token = await formToken(ctx.session);
  const rows = list.map(
    (entry) => html`<tr>
      <td>${describeBrowser(entry.userAgent)} ${entry.current ? html`<span class="tag">this browser</span>` : html``}
        <div class="muted" title="${entry.userAgent ?? ''}">${entry.ip ?? 'unknown IP'}</div></td>
      <td data-label="Created">${formatTime(entry.createdAt)}</td>
      <td data-label="Last seen">${formatTime(entry.lastSeenAt)}</td>
      <td>${
        entry.current
          ? html`<span class="muted">current</span>`
          : html`<form method="post" action="/sessions/revoke">${csrfField(token)}
              <input type="hidden" name="id" value="${entry.sessionId}">
              <button class="danger" type="submit">Revoke</button></form>`
      }</td></tr>`,
  );
  const body = html`<h1>Your sessions</h1>
    <p class="muted">Every browser signed in to your account. Revoking one deletes its record on the server:
      that browser is logged out on its next request, whatever its cookie says.</p>
    <table class="sessions">
      <thead><tr><th>Browser</th><th>Created</th><th>Last seen</th><th></th></tr></thead>
      <tbody>${rows}</tbody>
    </table>
    ${
      list.length > 1
        ? html`<form method="post" action="/sessions/revoke-others" style="margin-top:1rem">${csrfField(token)}
            <button class="danger" type="submit">Log out everywhere else</button></form>`
        : html`<p class="muted">Only this browser is signed in. Log in from another browser to see it here.</p>`
    }`;
  sendHtml(ctx, 200, await page(ctx, 'Your sessions', body));
}

/** POST /sessions/revoke */
export async function revokeOne(ctx: Ctx): Promise<void> {
  const userId = await requireUser(ctx);
  if (userId === undefined) return;
  const revoked = await ctx.app.sessions.revokeSession(userId, ctx.form.get('id') ?? '');
  await redirect(
    ctx,
    '/sessions',
    revoked
      ? { kind: 'ok', text: 'Session revoked: that browser is logged out.' }
      : { kind: 'error', text: 'That session had already ended.' },
  );
}

/** POST /sessions/revoke-others */
export async function revokeOthers(ctx: Ctx): Promise<void> {
  const userId = await requireUser(ctx);
  if (userId === undefined) return;
  const count = await ctx.app.sessions.revokeUser(userId, { except: ctx.session });
  await redirect(ctx, '/sessions', {
    kind: 'ok',
    text: `Logged out everywhere else (${count} other session${count === 1 ? '' : 's'} ended).`,
  });
}
