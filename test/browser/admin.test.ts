/**
 * The demo's operator page in Chromium (Debian's, driven by playwright-core): only the admin
 * account opens it; it shows the store's health, live sessions per user and the session metrics
 * as charts, with figures that match what the test did. `/health` and `/metrics` answer too.
 * A screenshot lands in test-output/screenshots/admin.png for a person to look at.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createDemo, type Demo } from '../../demo/app.ts';
import { chromiumSkipReason, launchChromium } from '../support/chromium.ts';

process.env.NODE_ENV ??= 'development';

const SHOTS = join(process.cwd(), 'test-output', 'screenshots');
const ADMIN = `ops${process.pid}`;
const PASSWORD = 'correct horse battery';

describe('demo admin page in Chromium', { skip: chromiumSkipReason() }, () => {
  let dir: string;
  let demo: Demo;
  let browser: Browser;
  let base: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coatcheck-admin-'));
    mkdirSync(SHOTS, { recursive: true });
    demo = await createDemo({
      database: join(dir, 'demo.db'),
      production: false,
      adminName: ADMIN,
      sampleEveryMs: 200,
    });
    await new Promise<void>((resolve) => demo.server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(demo.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function submit(page: Page, selector: string): Promise<void> {
    await Promise.all([page.waitForEvent('load'), page.click(selector)]);
  }

  /** A new browser that registers `username` (logged in afterwards). */
  async function registered(username: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${base}/register`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', PASSWORD);
    await submit(page, 'button:has-text("Register")');
    return page;
  }

  test('only the admin opens /admin: a visitor is sent to log in, another user gets 403', async () => {
    const context = await browser.newContext();
    const visitor = await context.newPage();
    await visitor.goto(`${base}/admin`);
    assert.equal(new URL(visitor.url()).pathname, '/login');
    const user = await registered(`shopper${process.pid}`);
    const response = await user.goto(`${base}/admin`);
    assert.equal(response?.status(), 403);
    assert.match((await user.textContent('h1')) ?? '', /Admins only/);
    await context.close();
    await user.context().close();
  });

  test('the admin sees health, live sessions per user and charts that match the traffic (screenshot)', async () => {
    const admin = await registered(ADMIN);
    // Traffic: a second user in two browsers, three anonymous carts.
    const second = `buyer${process.pid}`;
    const a = await registered(second);
    const b = await browser.newContext().then((context) => context.newPage());
    await b.goto(`${base}/login`);
    await b.fill('input[name=username]', second);
    await b.fill('input[name=password]', PASSWORD);
    await submit(b, 'form.stack button[type=submit]');
    for (let i = 0; i < 3; i++) {
      const cart = await browser.newContext().then((context) => context.newPage());
      await cart.goto(base);
      await cart.selectOption('select[name=item]', 'Scarf');
      await submit(cart, 'button:has-text("Add to cart")');
      await cart.context().close();
    }
    await new Promise((resolve) => setTimeout(resolve, 700)); // a few samples of 200 ms
    const response = await admin.goto(`${base}/admin`);
    assert.equal(response?.status(), 200);
    assert.equal(response?.headers().refresh, '10');
    assert.match((await admin.textContent('.health')) ?? '', /Store sqlite: ok,\s+[\d.]+ ms round trip/);
    const rows = await admin.$$eval('table.sessions tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent?.trim()).slice(0, 2)),
    );
    assert.deepEqual(
      rows.find((row) => row[0] === second),
      [second, '2'],
    );
    assert.deepEqual(
      rows.find((row) => row[0] === ADMIN),
      [ADMIN, '1'],
    );
    // Signed in: the first test's shopper, the admin, the buyer in two browsers. Anonymous: three
    // carts, and the first test's visitor, whose redirect to /login carried a flash message.
    assert.match(
      (await admin.textContent('main .card')) ?? '',
      /8 live sessions: 4 signed in, 4 anonymous\./,
    );
    const charts = await admin.$$eval('figure.chart figcaption span:first-child', (spans) =>
      spans.map((span) => span.textContent),
    );
    assert.deepEqual(charts, [
      'Sessions created',
      'Logins',
      'Sessions ended',
      'Commits that wrote',
      'Store latency',
      '503s and store errors',
    ]);
    assert.ok((await admin.$$('figure.chart svg rect')).length > 0, 'bars are drawn');
    const totals = Object.fromEntries(
      await admin.$$eval('table.totals tr', (trs) =>
        trs.map((tr) => [tr.children[0]?.textContent ?? '', Number(tr.children[1]?.textContent)]),
      ),
    ) as Record<string, number>;
    // Three registrations and one login: four logins, each of a fresh session; with the three
    // carts and the visitor's flash, eight sessions created.
    assert.equal(totals['sessions login'], 4);
    assert.equal(totals['sessions created'], 8);
    assert.equal(totals['503s (store unavailable at commit)'], 0);
    await admin.screenshot({ path: join(SHOTS, 'admin.png'), fullPage: true });

    const health = await admin.goto(`${base}/health`);
    assert.equal(health?.status(), 200);
    assert.equal(((await health!.json()) as { status: string }).status, 'ok');
    const metrics = await admin.goto(`${base}/metrics`);
    const text = (await metrics?.text()) ?? '';
    assert.match(
      text,
      /^coatcheck_session_events_total\{coatcheck_session_event="login",otel_scope_name="coatcheck"\} 4$/m,
    );
    assert.match(text, /^# TYPE coatcheck_store_operation_duration histogram$/m);
    for (const page of [admin, a, b]) await page.context().close();
  });
});
