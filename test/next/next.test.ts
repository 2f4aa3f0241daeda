/**
 * coatcheck/next in a real Next.js app: test/next/app built once with `next build` (Turbopack,
 * TypeScript checked) into test-output/, served by `next start`, driven by Debian's Chromium.
 * Login is a Server Action that commits before its redirect(), the counter a Route Handler, the
 * pages Server Components that only read, /admin gated by the proxy (Node middleware), and
 * /edge-count a Route Handler on the edge runtime.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type AppServer, freePort, runNode, startAppServer } from '../support/app-server.ts';
import { chromiumSkipReason, launchChromium } from '../support/chromium.ts';
import { prepareSampleApp, REPO, type SampleApp } from '../support/sample-app.ts';

const NEXT = join(REPO, 'node_modules/next/dist/bin/next');

describe('next: sample app (next build + next start) in Chromium', { skip: chromiumSkipReason() }, () => {
  let app: SampleApp;
  let server: AppServer;
  let browser: Browser;
  let base: string;

  before(async () => {
    app = await prepareSampleApp('test/next/app', 'next-', [
      'index.ts',
      'adapters/next.ts',
      'stores/fs.ts',
      'stores/memory.ts',
    ]);
    const sessionsDir = join(app.dir, '.sessions');
    await mkdir(sessionsDir);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: '1',
      SAMPLE_SESSIONS_DIR: sessionsDir,
    };
    delete env.NODE_ENV; // next build and next start set production themselves
    await runNode([NEXT, 'build'], app.dir, env);
    const port = await freePort();
    // localhost: Chromium treats it as a secure origin, so the default Secure cookie works on http.
    base = `http://localhost:${port}`;
    server = await startAppServer([NEXT, 'start', '-H', '127.0.0.1', '-p', String(port)], {
      cwd: app.dir,
      env,
      url: `http://127.0.0.1:${port}/login`,
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await app?.cleanup();
  });

  const sid = async (context: BrowserContext) =>
    (await context.cookies(base)).find((cookie) => cookie.name === '__Host-sid');

  /** Clicks `selector` and waits until the page is at `path`. */
  async function clickTo(page: Page, selector: string, path: string): Promise<void> {
    await Promise.all([page.waitForURL(`${base}${path}`), page.click(selector)]);
  }

  async function logIn(context: BrowserContext, user: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.fill('input[name=user]', user);
    await page.fill('input[name=password]', 'secret');
    await clickTo(page, '#login', '/');
    return page;
  }

  test('next: a Server Action logs in and commits before its redirect; the Server Component reads it', async () => {
    const context = await browser.newContext();
    const page = await logIn(context, 'alice');
    assert.equal(await page.textContent('#user'), 'alice');
    const cookie = await sid(context);
    assert.ok(cookie, 'session cookie set by the Server Action');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/');
    await context.close();
  });

  // Next promises the re-render after a Server Action the cookies it set through cookies(), not
  // through headers(): readSession reads the ticket there (src/adapters/next/request-cookies.ts).
  test("next: a Server Action's re-render of the page reads the ticket it just wrote", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    assert.equal(await page.textContent('#signed-in'), 'anonymous');
    await page.fill('input[name=user]', 'dave');
    await page.fill('input[name=password]', 'secret');
    await page.click('#login-here');
    await page.waitForFunction(() => document.querySelector('#signed-in')?.textContent === 'dave', null, {
      timeout: 10_000,
    });
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.ok(await sid(context));
    await context.close();
  });

  test('next: a wrong password redirects without a session cookie', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.fill('input[name=user]', 'mallory');
    await page.fill('input[name=password]', 'guess');
    await clickTo(page, '#login', '/login?failed=1');
    assert.equal(await page.textContent('#failed'), 'Wrong password');
    assert.equal(await sid(context), undefined);
    await context.close();
  });

  test('next: the Route Handler counter increments across requests', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/`);
    assert.equal(await page.textContent('#count'), '0');
    await clickTo(page, '#increment', '/');
    assert.equal(await page.textContent('#count'), '1');
    await clickTo(page, '#increment', '/');
    assert.equal(await page.textContent('#count'), '2');
    assert.equal(await page.textContent('#user'), 'anonymous');
    await context.close();
  });

  test('next: the Route Handler sends no cookie for a session it only read', async () => {
    const response = await fetch(`${server.url.replace('/login', '')}/api/count`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { count: 0 });
    assert.equal(response.headers.get('set-cookie'), null);
  });

  test('next: a Route Handler that throws redirect() still commits its session', async () => {
    const origin = server.url.replace('/login', '');
    const response = await fetch(`${origin}/api/visit`, { redirect: 'manual' });
    assert.equal(response.status, 307);
    assert.equal(new URL(response.headers.get('location') ?? '', origin).pathname, '/');
    const cookie = response.headers.getSetCookie().find((value) => value.startsWith('__Host-sid='));
    assert.ok(cookie, 'Set-Cookie on the redirect');
    const count = await fetch(`${origin}/api/count`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    assert.deepEqual(await count.json(), { count: 10 });
  });

  test('next: the proxy sends anonymous visitors of /admin to the login page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/admin`);
    assert.equal(new URL(page.url()).pathname, '/login');
    await context.close();
  });

  test('next: logout destroys the session and clears the cookie', async () => {
    const context = await browser.newContext();
    const page = await logIn(context, 'bob');
    await clickTo(page, '#increment', '/');
    assert.equal(await page.textContent('#count'), '1');
    await clickTo(page, '#logout', '/login');
    assert.equal(await sid(context), undefined);
    await page.goto(`${base}/`);
    assert.equal(await page.textContent('#user'), 'anonymous');
    assert.equal(await page.textContent('#count'), '0');
    await context.close();
  });

  test("next: an admin's revocation ends the user's sessions", async () => {
    const carol = await browser.newContext();
    const carolPage = await logIn(carol, 'carol');
    await clickTo(carolPage, '#increment', '/');
    assert.equal(await carolPage.textContent('#count'), '1');
    const admin = await browser.newContext();
    const adminPage = await logIn(admin, 'admin');
    await adminPage.goto(`${base}/admin`);
    await adminPage.fill('input[name=user]', 'carol');
    await clickTo(adminPage, '#revoke', '/admin?revoked=1');
    assert.equal(await adminPage.textContent('#revoked'), '1');
    await carolPage.reload();
    assert.equal(await carolPage.textContent('#user'), 'anonymous');
    assert.equal(await carolPage.textContent('#count'), '0');
    // The admin's own session is untouched.
    await adminPage.goto(`${base}/`);
    assert.equal(await adminPage.textContent('#user'), 'admin');
    await carol.close();
    await admin.close();
  });

  test('next: a Route Handler on the edge runtime keeps its session', async () => {
    const url = `${server.url.replace('/login', '')}/edge-count`;
    const first = await fetch(url);
    assert.equal(await first.text(), '1');
    const setCookie = first.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^edge-sid=[\w-]{43};/);
    assert.match(first.headers.get('vary') ?? '', /cookie/i);
    const cookie = setCookie.split(';')[0] ?? '';
    const second = await fetch(url, { headers: { cookie } });
    assert.equal(await second.text(), '2');
    assert.equal(await (await fetch(url)).text(), '1');
  });
});
