/**
 * The page frame: header and navigation, the flash message, the page's own card and the
 * "what the server stores" panel beside it.
 */
import { type Ctx, type Flash, formToken } from './context.ts';
import { html, SafeHtml } from './html.ts';
import { storePanel } from './store-panel.ts';
import { STYLE } from './style.ts';

/** The hidden CSRF field of a form, or nothing for a visitor without a session. */
export function csrfField(token: string | undefined): SafeHtml {
  return token === undefined ? html`` : html`<input type="hidden" name="_csrf" value="${token}">`;
}

// Messages for pages reached without a session to carry a flash (after logout): fixed texts, chosen by code.
const URL_NOTICES: Record<string, Flash> = {
  'logged-out': {
    kind: 'ok',
    text: 'You are logged out: the server deleted your session and your browser dropped its cookie.',
  },
};

function urlNotice(url: URL): Flash | undefined {
  const code = url.searchParams.get('notice');
  return code !== null && Object.hasOwn(URL_NOTICES, code) ? URL_NOTICES[code] : undefined;
}

/** The document around a page: head, header bar with `nav`, then `main`. */
function frame(title: string, nav: SafeHtml, main: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · coatcheck demo</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<header><div class="bar">
  <a class="brand" href="/"><span class="logo" aria-hidden="true">cc</span> coatcheck demo</a>
  <nav>${nav}</nav>
</div></header>
<main>
  ${main}
</main>
</body>
</html>`;
}

/** Renders a full page around `body`: reads (and so consumes) the pending flash message. */
export async function page(ctx: Ctx, title: string, body: SafeHtml): Promise<SafeHtml> {
  const { session, app } = ctx;
  const flash = (await session.consumeFlash<Flash>('notice')) ?? urlNotice(ctx.url);
  const userId = await session.userId();
  const user = userId === null ? undefined : app.users.byId(userId);
  const token = await formToken(session);
  const cart = (await session.get('cart')) ?? [];
  const nav =
    user === undefined
      ? html`<a href="/login">Log in</a><a href="/register">Register</a>`
      : html`<a href="/sessions">Your sessions</a>
          <span class="who">Signed in as <strong>${user.username}</strong></span>
          <form method="post" action="/logout">${csrfField(token)}<button type="submit">Log out</button></form>`;
  const notice =
    flash !== undefined && (flash.kind === 'ok' || flash.kind === 'error')
      ? html`<p class="flash ${flash.kind}" role="status">${flash.text}</p>`
      : html``;
  return frame(
    title,
    html`<a href="/">Cart (${cart.length})</a>${nav}`,
    html`${notice}
  <section class="card">${body}</section>
  ${await storePanel(ctx)}`,
  );
}

/**
 * A page drawn without the session: for a request that arrived without the session cookie although
 * the browser may hold one (a cross-site POST, which SameSite=Lax keeps the cookie from). Drawn from
 * that request's empty session, the header would show a logged-in visitor as logged out.
 */
export function pageWithoutSession(title: string, body: SafeHtml): SafeHtml {
  return frame(title, html`<a href="/">Back to the demo</a>`, html`<section class="card">${body}</section>`);
}
