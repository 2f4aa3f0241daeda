/**
 * Register, log in (with "remember me") and log out. Login rotates the ticket (no session
 * fixation) and keeps the cart; logout deletes the server-side record and clears the cookie.
 */
import { type Ctx, formToken, redirect, sendHtml } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfField, page } from '../layout.ts';

/**
 * The login or register form. After a failed attempt it shows `problem` and keeps the username
 * typed (never the password), so only the password has to be typed again.
 */
async function credentialsForm(
  ctx: Ctx,
  action: '/login' | '/register',
  failed?: { readonly problem: string; readonly username: string },
): Promise<SafeHtml> {
  const token = await formToken(ctx.session);
  const isLogin = action === '/login';
  return html`<h1>${isLogin ? 'Log in' : 'Create an account'}</h1>
    ${failed === undefined ? html`` : html`<p class="flash error" role="alert">${failed.problem}</p>`}
    <form class="stack" method="post" action="${action}">${csrfField(token)}
      <label>Username<input type="text" name="username" autocomplete="username" required value="${failed?.username ?? ''}"></label>
      <label>Password<input type="password" name="password" autocomplete="${isLogin ? 'current-password' : 'new-password'}" required minlength="${isLogin ? 1 : 8}"${failed === undefined ? html`` : html` autofocus`}></label>
      <label class="check"><input type="checkbox" name="remember" value="1"> Remember me for 30 days</label>
      <button type="submit">${isLogin ? 'Log in' : 'Register'}</button>
    </form>
    <p class="muted">${isLogin ? html`No account? <a href="/register">Register</a>.` : html`Have one? <a href="/login">Log in</a>.`}
      Without "remember me" the cookie dies with the browser session.</p>`;
}

/** Logs the session in as `userId`, applying the remember-me choice. */
async function signIn(ctx: Ctx, userId: string): Promise<void> {
  await ctx.session.login(userId);
  await ctx.session.rememberMe(ctx.form.get('remember') === '1');
}

/** GET /login */
export async function showLogin(ctx: Ctx): Promise<void> {
  sendHtml(ctx, 200, await page(ctx, 'Log in', await credentialsForm(ctx, '/login')));
}

/** GET /register */
export async function showRegister(ctx: Ctx): Promise<void> {
  sendHtml(ctx, 200, await page(ctx, 'Register', await credentialsForm(ctx, '/register')));
}

/** POST /login */
export async function login(ctx: Ctx): Promise<void> {
  const username = ctx.form.get('username') ?? '';
  const user = await ctx.app.users.verify(username, ctx.form.get('password') ?? '');
  if (user === undefined) {
    const body = await credentialsForm(ctx, '/login', { problem: 'Wrong username or password.', username });
    return sendHtml(ctx, 401, await page(ctx, 'Log in', body));
  }
  await signIn(ctx, user.id);
  await redirect(ctx, '/', {
    kind: 'ok',
    text: `Welcome back, ${user.username}. New ticket issued; your cart came along.`,
  });
}

/** POST /register */
export async function register(ctx: Ctx): Promise<void> {
  const username = ctx.form.get('username') ?? '';
  const result = await ctx.app.users.register(username, ctx.form.get('password') ?? '');
  if (!result.ok) {
    const body = await credentialsForm(ctx, '/register', { problem: result.problem, username });
    return sendHtml(ctx, 422, await page(ctx, 'Register', body));
  }
  await signIn(ctx, result.user.id);
  await redirect(ctx, '/', {
    kind: 'ok',
    text: `Account created. You are logged in as ${result.user.username}.`,
  });
}

/**
 * POST /logout. The record is deleted and the cookie cleared; there is no session left to carry a
 * flash message, so the notice travels in the URL as a fixed code (never as free text).
 */
export async function logout(ctx: Ctx): Promise<void> {
  await ctx.session.destroy();
  ctx.res.statusCode = 303;
  ctx.res.setHeader('location', '/?notice=logged-out');
  ctx.res.end();
}
