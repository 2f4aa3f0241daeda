/**
 * The opt-in CSRF middleware and Clear-Site-Data through every adapter (node, web, express,
 * fastify, hono, koa), on real listeners and the real memory store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import type { RunningApp } from '../http/apps/types.ts';
import { csrfApps, type Data, ORIGIN } from './apps/csrf-apps.ts';
import { observe } from './support.ts';

async function call(
  url: string,
  init: { method?: string; cookie?: string; headers?: Record<string, string>; body?: string } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.cookie) headers.cookie = init.cookie;
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
    redirect: 'manual',
  });
  const setCookie = response.headers.getSetCookie();
  return { status: response.status, body: await response.text(), headers: response.headers, setCookie };
}

for (const appCase of csrfApps) {
  describe(`security middleware: ${appCase.name}`, () => {
    let app: RunningApp;
    before(async () => {
      const sessions = createSessions<Data>({
        store: memoryStore(),
        cookie: { secure: false, name: 'sid' },
        clearSiteData: true,
      });
      observe(sessions);
      app = await appCase.start(sessions);
    });
    after(() => app.close());

    /** A browser with a session holding a CSRF token. */
    async function withToken() {
      const reply = await call(`${app.url}/token`);
      assert.equal(reply.status, 200);
      const cookie = reply.setCookie[0]!.split(';')[0]!;
      return { cookie, token: reply.body };
    }

    it(`${appCase.name}: CSRF middleware refuses an unsafe request without the token (403) and changes nothing`, async () => {
      const { cookie } = await withToken();
      const reply = await call(`${app.url}/change`, { method: 'POST', cookie });
      assert.equal(reply.status, 403);
      assert.equal((await call(`${app.url}/note`, { cookie })).body, '(none)');
    });

    it(`${appCase.name}: CSRF middleware refuses a wrong token and a cross-site request even with the right token`, async () => {
      const { cookie, token } = await withToken();
      const wrong = await call(`${app.url}/change`, {
        method: 'POST',
        cookie,
        headers: { 'x-csrf-token': `${token}x` },
      });
      assert.equal(wrong.status, 403);
      const crossSite = await call(`${app.url}/change`, {
        method: 'POST',
        cookie,
        headers: { 'x-csrf-token': token, 'sec-fetch-site': 'cross-site' },
      });
      assert.equal(crossSite.status, 403);
      const foreign = await call(`${app.url}/change`, {
        method: 'POST',
        cookie,
        headers: { 'x-csrf-token': token, origin: 'http://evil.test' },
      });
      assert.equal(foreign.status, 403);
      assert.equal((await call(`${app.url}/note`, { cookie })).body, '(none)');
    });

    it(`${appCase.name}: CSRF middleware accepts the session's token in the x-csrf-token header`, async () => {
      const { cookie, token } = await withToken();
      const reply = await call(`${app.url}/change`, {
        method: 'POST',
        cookie,
        headers: { 'x-csrf-token': token, 'sec-fetch-site': 'same-origin', origin: ORIGIN },
      });
      assert.equal(reply.status, 200);
      assert.equal((await call(`${app.url}/note`, { cookie })).body, 'changed');
    });

    if (appCase.formField !== undefined) {
      it(`${appCase.name}: CSRF middleware accepts the token in the _csrf form field`, async () => {
        const { cookie, token } = await withToken();
        const json = appCase.formField === 'json';
        const reply = await call(`${app.url}/change`, {
          method: 'POST',
          cookie,
          headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
          body: json ? JSON.stringify({ _csrf: token }) : `_csrf=${encodeURIComponent(token)}`,
        });
        assert.equal(reply.status, 200);
        assert.equal((await call(`${app.url}/note`, { cookie })).body, 'changed');
      });
    }

    it(`${appCase.name}: a ticket in the URL is ignored (tickets travel only in the cookie or header)`, async () => {
      const { cookie } = await withToken();
      const ticket = cookie.slice(cookie.indexOf('=') + 1);
      const reply = await call(`${app.url}/note?sid=${ticket}&session=${ticket}`);
      assert.equal(reply.body, '(none)');
      assert.deepEqual(reply.setCookie, [], 'nothing adopted, nothing issued');
    });

    it(`${appCase.name}: logout sends Clear-Site-Data and clears the cookie`, async () => {
      const { cookie, token } = await withToken();
      const plain = await call(`${app.url}/note`, { cookie });
      assert.equal(plain.headers.get('clear-site-data'), null);
      const reply = await call(`${app.url}/logout`, {
        method: 'POST',
        cookie,
        headers: { 'x-csrf-token': token },
      });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.get('clear-site-data'), '"cookies", "storage"');
      assert.match(reply.setCookie.join('\n'), /sid=;.*Max-Age=0/);
      assert.equal(reply.headers.get('cache-control'), 'no-store');
    });
  });
}
