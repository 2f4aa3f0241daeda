/**
 * The demo app in a real browser: Debian's Chromium driven by playwright-core (never a downloaded
 * browser). Cookie attributes are read through the browser's own cookie API, not from the server.
 * Screenshots of each main page land in test-output/screenshots/ for a person to look at.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createDemo, type Demo } from '../../demo/app.ts';
import { chromiumSkipReason, launchChromium } from '../support/chromium.ts';

// The demo runs as it does under `npm start`: development over plain http.
process.env.NODE_ENV ??= 'development';

const SHOTS = join(process.cwd(), 'test-output', 'screenshots');

describe('demo app in Chromium', { skip: chromiumSkipReason() }, () => {
  let dir: string;
  let demo: Demo;
  let browser: Browser;
  let base: string;
  let userCount = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coatcheck-demo-'));
    mkdirSync(SHOTS, { recursive: true });
    demo = await createDemo({ database: join(dir, 'demo.db'), production: false });
    await new Promise<void>((resolve) => demo.server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(demo.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const newContext = (options: { mobile?: boolean } = {}) =>
    browser.newContext(
      options.mobile ? { viewport: { width: 390, height: 844 } } : { viewport: { width: 1200, height: 800 } },
    );

  const sid = async (context: BrowserContext) => (await context.cookies(base)).find((c) => c.name === 'sid');

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  /** Submits the form holding `selector`'s button and waits for the page it leads to. */
  async function submit(page: Page, selector: string): Promise<void> {
    await Promise.all([page.waitForEvent('load'), page.click(selector)]);
  }

  async function addToCart(page: Page, item = 'Scarf'): Promise<void> {
    await page.selectOption('select[name=item]', item);
    await submit(page, 'button:has-text("Add to cart")');
  }

  /** Registers a fresh user in its own context and logs out, returning the credentials. */
  async function newUser(): Promise<{ username: string; password: string }> {
    userCount += 1;
    const credentials = { username: `user${userCount}_${process.pid}`, password: 'correct horse battery' };
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${base}/register`);
    if (userCount === 1) await shot(page, 'register');
    await page.fill('input[name=username]', credentials.username);
    await page.fill('input[name=password]', credentials.password);
    await submit(page, 'button:has-text("Register")');
    assert.match(
      (await page.textContent('header')) ?? '',
      new RegExp(`Signed in as ${credentials.username}`),
    );
    // Closing a browser does not end its server-side session: log out so the user starts with none.
    await submit(page, 'header button:has-text("Log out")');
    await context.close();
    return credentials;
  }

  async function logIn(page: Page, user: { username: string; password: string }, remember = false) {
    await page.goto(`${base}/login`);
    await page.fill('input[name=username]', user.username);
    await page.fill('input[name=password]', user.password);
    if (remember) await page.check('input[name=remember]');
    await submit(page, 'form.stack button[type=submit]');
  }

  test('a first visit sets no cookie', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const response = await page.goto(base);
    assert.equal(response?.status(), 200);
    assert.equal(response?.headers()['set-cookie'], undefined);
    assert.deepEqual(await context.cookies(base), []);
    await shot(page, 'home-first-visit');
    await context.close();
  });

  test('adding to the cart sets an HttpOnly SameSite=Lax browser-session cookie that scripts cannot read', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(base);
    await addToCart(page, 'Umbrella');
    const cookie = await sid(context);
    assert.ok(cookie, 'a sid cookie is set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.secure, false);
    assert.equal(cookie.path, '/');
    assert.equal(cookie.expires, -1, 'not remembered: a browser-session cookie');
    assert.match(cookie.value, /^[A-Za-z0-9_-]{43}$/);
    assert.match((await page.textContent('.flash')) ?? '', /Added Umbrella/);
    assert.match((await page.textContent('ul.items')) ?? '', /Umbrella/);
    assert.equal(await page.evaluate(() => document.cookie), '', 'document.cookie cannot see the ticket');
    await shot(page, 'home-cart');
    await context.close();
  });

  test('login changes the cookie value, keeps the cart, and the old value no longer works', async () => {
    const user = await newUser();
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(base);
    await addToCart(page, 'Gloves');
    const before = (await sid(context))?.value;
    assert.ok(before);
    await logIn(page, user);
    const afterLogin = await sid(context);
    assert.ok(afterLogin);
    assert.notEqual(afterLogin.value, before, 'login issues a new ticket');
    assert.equal(afterLogin.expires, -1, 'not remembered: a browser-session cookie');
    assert.match((await page.textContent('ul.items')) ?? '', /Gloves/, 'the cart came along');
    assert.match((await page.textContent('header')) ?? '', new RegExp(`Signed in as ${user.username}`));
    await shot(page, 'home-logged-in');

    const replay = await fetch(base, { headers: { cookie: `sid=${before}` }, redirect: 'manual' });
    const replayBody = await replay.text();
    assert.match(replayBody, /Cart \(0\)/, 'the old ticket carries no cart');
    assert.doesNotMatch(replayBody, /Signed in as/, 'the old ticket is not logged in');
    assert.deepEqual(
      replay.headers.getSetCookie(),
      [],
      'no cookie for a dead ticket: the browser may already hold a newer one',
    );
    const current = await fetch(base, { headers: { cookie: `sid=${afterLogin.value}` }, redirect: 'manual' });
    assert.match(await current.text(), /Signed in as/, 'the new ticket is logged in');
    await context.close();
  });

  test('remember me gives a persistent cookie', async () => {
    const user = await newUser();
    const context = await newContext();
    const page = await context.newPage();
    await logIn(page, user, true);
    const cookie = await sid(context);
    assert.ok(cookie);
    const inDays = (cookie.expires - Date.now() / 1000) / 86_400;
    assert.ok(inDays > 29 && inDays <= 30.01, `expires in ${inDays} days`);
    assert.equal(cookie.httpOnly, true);
    await context.close();
  });

  test('two browsers of one user see each other; revoking one logs it out on its next request', async () => {
    const user = await newUser();
    const laptop = await newContext();
    const phone = await newContext({ mobile: true });
    const laptopPage = await laptop.newPage();
    const phonePage = await phone.newPage();
    await logIn(laptopPage, user);
    await logIn(phonePage, user);

    await phonePage.goto(`${base}/sessions`);
    assert.equal(await phonePage.locator('table.sessions tbody tr').count(), 2);
    await shot(phonePage, 'sessions-phone');
    await laptopPage.goto(`${base}/sessions`);
    const rows = laptopPage.locator('table.sessions tbody tr');
    assert.equal(await rows.count(), 2);
    assert.equal(await laptopPage.locator('.tag:has-text("this browser")').count(), 1);
    assert.match((await laptopPage.textContent('table.sessions')) ?? '', /127\.0\.0\.1/);
    await shot(laptopPage, 'sessions');

    await submit(laptopPage, 'button:has-text("Revoke")');
    assert.match((await laptopPage.textContent('.flash')) ?? '', /Session revoked/);
    assert.equal(await laptopPage.locator('table.sessions tbody tr').count(), 1);

    await phonePage.goto(base);
    assert.doesNotMatch(
      (await phonePage.textContent('header')) ?? '',
      /Signed in as/,
      'the phone is logged out',
    );
    // The revoked ticket may linger in the browser (a well-formed ticket is never cleared, since a
    // newer one could be in flight), but it is dead: reloading still shows the phone logged out.
    await phonePage.reload();
    assert.doesNotMatch(
      (await phonePage.textContent('header')) ?? '',
      /Signed in as/,
      'the revoked ticket stays dead',
    );
    await laptopPage.goto(base);
    assert.match((await laptopPage.textContent('header')) ?? '', /Signed in as/, 'the laptop is still in');
    await Promise.all([laptop.close(), phone.close()]);
  });

  test('"log out everywhere else" ends every other session of the user', async () => {
    const user = await newUser();
    const contexts = await Promise.all([newContext(), newContext(), newContext()]);
    const pages = await Promise.all(contexts.map((c) => c.newPage()));
    for (const page of pages) await logIn(page, user);
    const [mine, ...others] = pages;
    assert.ok(mine);
    await mine.goto(`${base}/sessions`);
    assert.equal(await mine.locator('table.sessions tbody tr').count(), 3);
    await submit(mine, 'button:has-text("Log out everywhere else")');
    assert.match((await mine.textContent('.flash')) ?? '', /2 other sessions ended/);
    for (const page of others) {
      await page.goto(base);
      assert.doesNotMatch((await page.textContent('header')) ?? '', /Signed in as/);
    }
    await Promise.all(contexts.map((c) => c.close()));
  });

  test('log out deletes the session and clears the cookie', async () => {
    const user = await newUser();
    const context = await newContext();
    const page = await context.newPage();
    await logIn(page, user);
    const ticket = (await sid(context))?.value;
    assert.ok(ticket);
    await submit(page, 'header button:has-text("Log out")');
    assert.equal(await sid(context), undefined);
    assert.match((await page.textContent('.flash')) ?? '', /You are logged out/);
    await shot(page, 'logged-out');
    const replay = await fetch(base, { headers: { cookie: `sid=${ticket}` } });
    assert.doesNotMatch(await replay.text(), /Signed in as/);
    await context.close();
  });

  test('a form posted without the CSRF token is refused with 403 and changes nothing', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(base);
    await addToCart(page, 'Hat');
    assert.equal(await page.locator('form[action="/cart/add"] input[name=_csrf]').count(), 1);
    await page.locator('form[action="/cart/add"] input[name=_csrf]').evaluate((input) => input.remove());
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/cart/add')),
      page.click('button:has-text("Add to cart")'),
    ]);
    assert.equal(response.status(), 403);
    await page.waitForLoadState('load');
    assert.match((await page.textContent('h1')) ?? '', /Request refused/);
    await shot(page, 'csrf-refused');
    assert.match((await page.textContent('header')) ?? '', /Cart \(1\)/, 'nothing was added');

    // The same from outside the browser: the cookie alone is not enough.
    const cookie = await sid(context);
    const forged = await fetch(`${base}/cart/add`, {
      method: 'POST',
      headers: { cookie: `sid=${cookie?.value}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'item=Hat',
      redirect: 'manual',
    });
    assert.equal(forged.status, 403);
    await context.close();
  });

  test('a failed login or register keeps the username typed (never the password)', async () => {
    const user = await newUser();
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.fill('input[name=username]', user.username);
    await page.fill('input[name=password]', 'not the password');
    await submit(page, 'form.stack button[type=submit]');
    assert.match((await page.textContent('.flash.error')) ?? '', /Wrong username or password/);
    assert.equal(await page.inputValue('input[name=username]'), user.username, 'the username is kept');
    assert.equal(await page.inputValue('input[name=password]'), '', 'the password is not');
    await shot(page, 'login-failed');
    // The kept username is a value to submit again: the second try logs in.
    await page.fill('input[name=password]', user.password);
    await submit(page, 'form.stack button[type=submit]');
    assert.match((await page.textContent('header')) ?? '', new RegExp(`Signed in as ${user.username}`));

    await page.goto(`${base}/register`);
    await page.fill('input[name=username]', user.username);
    await page.fill('input[name=password]', 'long enough password');
    await submit(page, 'form.stack button[type=submit]');
    assert.match((await page.textContent('.flash.error')) ?? '', /That username is taken/);
    assert.equal(await page.inputValue('input[name=username]'), user.username);
    assert.equal(await page.inputValue('input[name=password]'), '');
    await context.close();
  });

  test('the panel shows who is logged in by username, not by the internal user number', async () => {
    const user = await newUser();
    const context = await newContext();
    const page = await context.newPage();
    await logIn(page, user);
    const panel = (await page.textContent('aside.panel')) ?? '';
    assert.match(panel, new RegExp(`User\\s*${user.username}`));
    assert.doesNotMatch(panel, /User\s*\d+\s*Created/, 'no bare user id');
    await context.close();
  });

  test('a refused cross-site post does not show a logged-in user as logged out', async () => {
    const user = await newUser();
    const context = await newContext();
    const page = await context.newPage();
    await logIn(page, user);
    await addToCart(page, 'Scarf');
    // Another site (localhost is a different site from 127.0.0.1) with a form aimed at the demo.
    const attacker: Server = createHttpServer((_, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(
        `<form method="post" action="${base}/cart/add"><input name="item" value="Hat"><button>Win a prize</button></form>`,
      );
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    try {
      await page.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/cart/add')),
        page.click('button:has-text("Win a prize")'),
      ]);
      assert.equal(response.status(), 403);
      await page.waitForLoadState('load');
      assert.match((await page.textContent('h1')) ?? '', /Request refused/);
      const header = (await page.textContent('header')) ?? '';
      assert.doesNotMatch(header, /Log in|Register/, 'no "Log in" link as if the visitor were logged out');
      assert.match((await page.textContent('main')) ?? '', /cannot tell whether you are logged in/);
      await shot(page, 'csrf-cross-site');
    } finally {
      await new Promise((resolve) => attacker.close(resolve));
    }
    await page.goto(base);
    assert.match((await page.textContent('header')) ?? '', new RegExp(`Signed in as ${user.username}`));
    assert.match((await page.textContent('header')) ?? '', /Cart \(1\)/, 'nothing was added');
    await context.close();
  });

  test('the sessions list keeps its order between visits: this browser first, then the newest login', async () => {
    const user = await newUser();
    const contexts = await Promise.all([newContext(), newContext(), newContext()]);
    const pages = await Promise.all(contexts.map((c) => c.newPage()));
    for (const page of pages) await logIn(page, user); // one after the other: distinct creation times
    const [first, second, third] = pages;
    assert.ok(first && second && third);
    /** The session ids of the other rows, top to bottom, as `page` sees them. */
    const others = async (page: Page) => {
      await page.goto(`${base}/sessions`);
      assert.equal(
        await page.locator('table.sessions tbody tr').first().locator('.tag').count(),
        1,
        'this browser first',
      );
      return page
        .locator('table.sessions tbody input[name=id]')
        .evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
    };
    const seen = await Promise.all(pages.map(others));
    const all = new Set(seen.flat());
    assert.equal(all.size, 3);
    // Each browser's own id is the one missing from its list.
    const idOf = (i: number) => [...all].find((id) => !seen[i]?.includes(id));
    assert.deepEqual(seen[0], [idOf(2), idOf(1)], 'then the newest login first');
    await second.goto(base); // another browser is seen again: "last seen" changes, the order must not
    await third.goto(base);
    for (let i = 0; i < 3; i++) assert.deepEqual(await others(first), seen[0]);
    await Promise.all(contexts.map((c) => c.close()));
  });

  test('the login page renders (screenshot)', async () => {
    const context = await newContext({ mobile: true });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    assert.equal(await page.locator('input[name=remember]').count(), 1);
    await shot(page, 'login-phone');
    await context.close();
  });
});

describe('demo server start-up', () => {
  test('a port already in use gives a one-line hint about PORT, not a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coatcheck-demo-port-'));
    const holder = createTcpServer();
    await new Promise<void>((resolve) => holder.listen(0, resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'demo', 'server.ts')], {
        env: { ...process.env, PORT: String(port), DEMO_DATABASE: join(dir, 'demo.db'), COATCHECK_STORE: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      const code = await new Promise((resolve) => child.once('close', resolve));
      assert.equal(code, 1);
      assert.equal(
        stderr,
        `coatcheck demo: port ${port} is already in use: set PORT to a free one, e.g. PORT=${port + 1} npm start\n`,
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
