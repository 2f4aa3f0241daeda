/**
 * coatcheck/sveltekit in a real SvelteKit app: test/sveltekit/app built once with `vite build`
 * into test-output/ and served by `vite preview`. The `handle` hook puts the session in
 * `event.locals.session`; form actions log in, count and log out, a `+server.ts` endpoint counts.
 * Driven by plain HTTP (every header visible) and, when Debian's Chromium is there, by a browser.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type AppServer, freePort, runNode, startAppServer } from '../support/app-server.ts';
import { chromiumSkipReason, launchChromium } from '../support/chromium.ts';
import { prepareSampleApp, REPO, type SampleApp } from '../support/sample-app.ts';

const VITE = join(REPO, 'node_modules/vite/bin/vite.js');

describe('sveltekit: sample app (vite build + vite preview)', () => {
  let app: SampleApp;
  let server: AppServer;
  let base: string;

  before(async () => {
    app = await prepareSampleApp('test/sveltekit/app', 'sveltekit-', [
      'index.ts',
      'adapters/sveltekit.ts',
      'stores/memory.ts',
    ]);
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_ENV; // vite build and vite preview choose production themselves
    await runNode([VITE, 'build'], app.dir, env);
    const port = await freePort();
    base = `http://localhost:${port}`;
    server = await startAppServer(
      [VITE, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
      {
        cwd: app.dir,
        env,
        url: `http://127.0.0.1:${port}/about`,
      },
    );
  });

  after(async () => {
    await server?.stop();
    await app?.cleanup();
  });

  const url = (path: string) => `${server.url.replace('/about', '')}${path}`;

  /** The `name=value` part of a response's session cookie, or undefined when it sets none. */
  function ticketOf(response: Response): string | undefined {
    const header = response.headers.getSetCookie().find((value) => value.startsWith('__Host-sid='));
    return header?.split(';')[0];
  }

  /** Posts a form action (SvelteKit checks that a form post comes from its own origin). */
  function action(name: string, cookie: string | undefined, fields: Record<string, string> = {}) {
    return fetch(url(`/?/${name}`), {
      method: 'POST',
      redirect: 'manual',
      headers: {
        origin: new URL(url('/')).origin,
        accept: 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
        ...(cookie === undefined ? {} : { cookie }),
      },
      body: new URLSearchParams(fields),
    });
  }

  async function page(cookie: string | undefined): Promise<{ user: string; count: string }> {
    const html = await (await fetch(url('/'), { headers: cookie === undefined ? {} : { cookie } })).text();
    const user = /<p id="user">([^<]*)<\/p>/.exec(html)?.[1];
    const count = /<p id="count">([^<]*)<\/p>/.exec(html)?.[1];
    assert.ok(user !== undefined && count !== undefined, html);
    return { user, count };
  }

  test('sveltekit: a page that never touches its session sends no cookie and no Vary', async () => {
    const response = await fetch(url('/about'));
    assert.equal(response.status, 200);
    assert.match(await response.text(), /never touches its session/);
    assert.deepEqual(response.headers.getSetCookie(), []);
    assert.doesNotMatch(response.headers.get('vary') ?? '', /cookie/i);
  });

  test('sveltekit: the +server.ts counter increments with the cookie, and starts over without it', async () => {
    const first = await fetch(url('/api/count'), {
      method: 'POST',
      headers: { origin: new URL(url('/')).origin },
    });
    assert.deepEqual(await first.json(), { count: 1 });
    const cookie = ticketOf(first);
    assert.ok(cookie);
    assert.match(first.headers.getSetCookie()[0] ?? '', /; HttpOnly; Secure; SameSite=Lax$/);
    assert.match(first.headers.get('vary') ?? '', /cookie/i);
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const second = await fetch(url('/api/count'), {
      method: 'POST',
      headers: { cookie, origin: new URL(url('/')).origin },
    });
    assert.deepEqual(await second.json(), { count: 2 });
    assert.equal(ticketOf(second), undefined, 'an unchanged ticket is not sent again');
    assert.deepEqual((await page(cookie)).count, '2');
  });

  test('sveltekit: a form action logs in (new ticket), and load() sees the user', async () => {
    const before = await action('count', undefined);
    assert.equal(before.status, 303);
    const anonymous = ticketOf(before);
    assert.ok(anonymous);
    const login = await action('login', anonymous, { user: 'alice', password: 'secret' });
    assert.equal(login.status, 303);
    const ticket = ticketOf(login);
    assert.ok(ticket);
    assert.notEqual(ticket, anonymous, 'login rotates the ticket');
    assert.deepEqual(await page(ticket), { user: 'alice', count: '1' });
    assert.deepEqual(await page(anonymous), { user: 'anonymous', count: '0' }, 'the old ticket is dead');
  });

  test('sveltekit: a wrong password fails the action without a session', async () => {
    const response = await action('login', undefined, { user: 'mallory', password: 'guess' });
    assert.equal(response.status, 401);
    assert.match(await response.text(), /Wrong password/);
    assert.equal(ticketOf(response), undefined);
  });

  test('sveltekit: logout destroys the session and clears the cookie', async () => {
    const ticket = ticketOf(await action('login', undefined, { user: 'bob', password: 'secret' }));
    assert.ok(ticket);
    assert.equal((await page(ticket)).user, 'bob');
    const logout = await action('logout', ticket);
    assert.equal(logout.status, 303);
    assert.match(logout.headers.getSetCookie()[0] ?? '', /^__Host-sid=; .*Max-Age=0/);
    assert.deepEqual(await page(ticket), { user: 'anonymous', count: '0' });
  });

  describe('sveltekit: in Chromium', { skip: chromiumSkipReason() }, () => {
    test('sveltekit: log in, count twice and log out through the forms', async () => {
      const browser = await launchChromium();
      try {
        const tab = await (await browser.newContext()).newPage();
        await tab.goto(`${base}/`);
        await tab.fill('input[name=user]', 'carol');
        await tab.fill('input[name=password]', 'secret');
        await Promise.all([tab.waitForURL(`${base}/`), tab.click('#login')]);
        assert.equal(await tab.textContent('#user'), 'carol');
        for (const expected of ['1', '2']) {
          await tab.click('#increment');
          await tab.waitForFunction((n) => document.querySelector('#count')?.textContent === n, expected);
        }
        await tab.click('#logout');
        await tab.waitForSelector('#login');
        assert.equal(await tab.textContent('#user'), 'anonymous');
        assert.equal(await tab.textContent('#count'), '0');
        assert.deepEqual(await tab.context().cookies(base), []);
      } finally {
        await browser.close();
      }
    });
  });
});
