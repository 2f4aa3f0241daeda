/**
 * The operator's page (`GET /admin`), for the admin user only (the username in `DEMO_ADMIN`,
 * default `admin`): the store's health, live sessions per user, and the session metrics of the
 * last minutes as small charts, refreshed every 10 seconds.
 */
import type { Store } from '../../src/index.ts';
import { type Bar, barChart } from '../charts.ts';
import { type Ctx, redirect, sendHtml } from '../context.ts';
import { formatTime, html, type SafeHtml } from '../html.ts';
import { page } from '../layout.ts';
import type { Sample } from '../telemetry.ts';

/** Live sessions per user, found by one pass over the store (`Store.scan`). */
interface SessionCensus {
  readonly live: number;
  readonly anonymous: number;
  readonly users: { readonly userId: string; readonly sessions: number; readonly lastSeenAt: number }[];
}

async function census(store: Store, now: number): Promise<SessionCensus | undefined> {
  if (typeof store.scan !== 'function') return undefined;
  const users = new Map<string, { sessions: number; lastSeenAt: number }>();
  let live = 0;
  let anonymous = 0;
  let cursor: string | undefined;
  do {
    const result = await store.scan({ cursor, limit: 500 });
    for (const { record } of result.entries) {
      if (record.expiresAt <= now) continue;
      live += 1;
      if (record.userId === null) {
        anonymous += 1;
        continue;
      }
      const entry = users.get(record.userId) ?? { sessions: 0, lastSeenAt: 0 };
      entry.sessions += 1;
      entry.lastSeenAt = Math.max(entry.lastSeenAt, record.lastSeenAt);
      users.set(record.userId, entry);
    }
    cursor = result.cursor;
  } while (cursor !== undefined);
  const sorted = [...users].map(([userId, entry]) => ({ userId, ...entry }));
  sorted.sort((a, b) => b.sessions - a.sessions || b.lastSeenAt - a.lastSeenAt);
  return { live, anonymous, users: sorted };
}

/** Per-interval differences of a total across consecutive samples. */
function perInterval(samples: readonly Sample[], read: (sample: Sample) => number): Bar[] {
  const bars: Bar[] = [];
  for (let i = 1; i < samples.length; i++) {
    const at = new Date(samples[i]!.at).toISOString().slice(11, 19);
    bars.push({ value: Math.max(0, read(samples[i]!) - read(samples[i - 1]!)), label: at });
  }
  return bars;
}

function latencyBars(samples: readonly Sample[]): Bar[] {
  const bars: Bar[] = [];
  for (let i = 1; i < samples.length; i++) {
    const calls = samples[i]!.storeCalls - samples[i - 1]!.storeCalls;
    const seconds = samples[i]!.storeSeconds - samples[i - 1]!.storeSeconds;
    const at = new Date(samples[i]!.at).toISOString().slice(11, 19);
    bars.push({ value: calls === 0 ? 0 : (seconds / calls) * 1000, label: at });
  }
  return bars;
}

const event = (name: string) => (sample: Sample) => sample.events[name] ?? 0;
const writes = (sample: Sample) =>
  Object.entries(sample.commits).reduce((sum, [decision, n]) => (decision === 'none' ? sum : sum + n), 0);
const ended = (sample: Sample) =>
  (sample.events.destroyed ?? 0) + (sample.events.revoked ?? 0) + (sample.events.expired ?? 0);

function charts(samples: readonly Sample[], intervalMs: number): SafeHtml {
  const per = `per ${intervalMs / 1000} s`;
  return html`<div class="charts">
    ${barChart('Sessions created', perInterval(samples, event('created')), per)}
    ${barChart('Logins', perInterval(samples, event('login')), per)}
    ${barChart('Sessions ended', perInterval(samples, ended), per)}
    ${barChart('Commits that wrote', perInterval(samples, writes), per)}
    ${barChart('Store latency', latencyBars(samples), 'ms mean', 2)}
    ${barChart(
      '503s and store errors',
      perInterval(samples, (s) => s.unavailable + s.storeErrors),
      per,
    )}
  </div>`;
}

function totals(sample: Sample | undefined): SafeHtml {
  if (sample === undefined) return html`<p class="muted">No sample yet.</p>`;
  const rows: [string, number][] = [
    ...Object.entries(sample.events).map(([name, n]): [string, number] => [`sessions ${name}`, n]),
    ...Object.entries(sample.commits).map(([name, n]): [string, number] => [`commits: ${name}`, n]),
    ['store calls', sample.storeCalls],
    ['store errors', sample.storeErrors],
    ['503s (store unavailable at commit)', sample.unavailable],
    ['CSRF refusals', sample.csrfRefusals],
  ];
  return html`<table class="totals"><tbody>${rows.map(
    ([name, n]) => html`<tr><td>${name}</td><td class="num">${n}</td></tr>`,
  )}</tbody></table>`;
}

/** GET /admin */
export async function showAdmin(ctx: Ctx): Promise<void> {
  const { app, session } = ctx;
  const userId = await session.userId();
  if (userId === null)
    return redirect(ctx, '/login', { kind: 'error', text: 'Log in as the admin to see the operator page.' });
  if (app.users.byId(userId)?.username.toLowerCase() !== app.adminName.toLowerCase()) {
    const body = html`<h1>Admins only</h1><p>The operator page is for the <code>${app.adminName}</code> account.</p>`;
    return sendHtml(ctx, 403, await page(ctx, 'Admins only', body));
  }
  const [health, people] = await Promise.all([
    app.sessions.health({ timeout: '1s' }),
    census(app.store, Date.now()),
  ]);
  const samples = app.telemetry.samples();
  const caps = Object.entries(health.capabilities)
    .filter(([, on]) => on)
    .map(([name]) => name)
    .join(', ');
  const cache = health.cache;
  const userRows =
    people === undefined
      ? html`<p class="muted">This store cannot be enumerated (no scan).</p>`
      : html`<p><strong>${people.live}</strong> live sessions: ${people.live - people.anonymous} signed in, ${people.anonymous} anonymous.</p>
        <table class="sessions"><thead><tr><th>User</th><th>Sessions</th><th>Last seen</th></tr></thead>
        <tbody>${people.users.map(
          (entry) =>
            html`<tr><td>${app.users.byId(entry.userId)?.username ?? entry.userId}</td><td class="num">${entry.sessions}</td><td>${formatTime(entry.lastSeenAt)}</td></tr>`,
        )}</tbody></table>`;
  const body = html`<h1>Operator view</h1>
    <p class="health ${health.status}" role="status">Store <code>${health.store.name}</code>: <strong>${health.status}</strong>,
      ${health.store.latencyMs.toFixed(2)} ms round trip${health.store.error ? html` (${health.store.error.message})` : html``}</p>
    <p class="muted">Capabilities: ${caps || 'none beyond the required methods'}.
      ${cache === undefined ? html`` : html`Cache front ${cache.front.name} ${cache.front.ok ? 'up' : 'DOWN'}, back ${cache.back.name} ${cache.back.ok ? 'up' : 'DOWN'}, hit ratio ${cache.hitRatio === null ? '—' : `${Math.round(cache.hitRatio * 100)} %`}.`}
      Raw: <a href="/health">/health</a> · <a href="/metrics">/metrics</a></p>
    <h2>Live sessions per user</h2>
    ${userRows}
    <h2>Last minutes</h2>
    ${charts(samples, app.telemetry.intervalMs)}
    <h2>Totals since start</h2>
    ${totals(samples.at(-1))}`;
  ctx.res.setHeader('refresh', '10');
  sendHtml(ctx, 200, await page(ctx, 'Operator view', body));
}
