/**
 * Register, log in (with "remember me") and log out. Login rotates the ticket (no session
 * fixation) and keeps the cart; logout deletes the server-side record and clears the cookie.
 */
import { type Ctx, formToken, redirect, sendHtml } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfField, page } from '../layout.ts';

async function credentialsForm(
  ctx: Ctx,
  action: '/login' | '/register',
  problem?: string,
): Promise<SafeHtml> {
  const token = await formToken(ctx.session);
  const isLogin = action === '/login';
  return html`<h1>${isLogin ? 'Log in' : 'Create an account'}</h1>
    ${problem === undefined ? html`` : html`<p class="flash error" role="alert">${problem}</p>`}
    <form class="stack" method="post" action="${action}">${csrfField(token)}
      <label>Username<input type="text" name="username" autocomplete="username" required></label>
      <label>Password<input type="password" name="password" autocomplete="${isLogin ? 'current-password' : 'new-password'}" required minlength="${isLogin ? 1 : 8}"></label>
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
  const user = await ctx.app.users.verify(ctx.form.get('username') ?? '', ctx.form.get('password') ?? '');
  if (user === undefined) {
    const body = await credentialsForm(ctx, '/login', 'Wrong username or password.');
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
  const result = await ctx.app.users.register(ctx.form.get('username') ?? '', ctx.form.get('password') ?? '');
  if (!result.ok) {
    const body = await credentialsForm(ctx, '/register', result.problem);
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
