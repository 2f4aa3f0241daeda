/**
 * No ticket, token, store key, session id or user id in any span or metric coatcheck/otel exports
 * (CWE-532): real HTTP requests through every kind of commit, on a caching tier with signed
 * tickets and a key prefix, exported by the real SDK; every issued ticket, its token, its store
 * key (with and without prefix) and the user ids are then searched for in everything exported.
 * Part of the security suite, so no-token-in-logs.test.ts also greps its output for every token minted.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { withSessions } from '../../src/adapters/node.ts';
import { storeKeyFor } from '../../src/core/token.ts';
import { createSessions, type Sessions, verifyCsrf } from '../../src/index.ts';
import { ATTR, instrument } from '../../src/otel.ts';
import { cacheStore } from '../../src/stores/cache.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { listen } from '../http/apps/listen.ts';
import type { RunningApp } from '../http/apps/types.ts';
import { everythingExported, TestTelemetry } from '../support/otel-sdk.ts';

const PREFIX = 'shop:';
const SECRET = 'a-signing-secret-of-at-least-32-bytes!!';
const USERS = ['alice-7d3f', 'bob-91ce'];

const telemetry = new TestTelemetry();
let sessions: Sessions<{ n?: number }>;
/** A second app on a caching tier, for its lookups (anonymous sessions: written and read). */
let cached: Sessions<{ n?: number }>;
let server: RunningApp;
let cachedServer: RunningApp;
const issued = new Set<string>();
const sessionIds = new Set<string>();

function serve(manager: Sessions<{ n?: number }>): Promise<RunningApp> {
  instrument(manager, { tracerProvider: telemetry.tracerProvider, meterProvider: telemetry.meterProvider });
  const handler = withSessions(manager, async (req, res, session) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const user = url.searchParams.get('user');
    if (url.pathname === '/login' && user !== null) await session.login(user);
    else if (url.pathname === '/write') await session.set('n', ((await session.get('n')) ?? 0) + 1);
    else if (url.pathname === '/read') await session.get('n');
    else if (url.pathname === '/rotate') await session.rotate();
    else if (url.pathname === '/csrf') res.setHeader('x-csrf', await session.csrfToken());
    else if (url.pathname === '/post') {
      await verifyCsrf(session, { method: 'POST', token: url.searchParams.get('t') }).catch(() => {
        res.statusCode = 403;
      });
    } else if (url.pathname === '/logout') await session.destroy();
    res.end('ok');
  });
  return listen((req, res) =>
    telemetry.inRequestSpan('GET', (span) => {
      res.on('close', () => span.end());
      handler(req, res);
    }),
  );
}

before(async () => {
  const options = { cookie: { name: 'sid', secure: false }, secrets: [SECRET], keyPrefix: PREFIX } as const;
  sessions = createSessions<{ n?: number }>({ store: memoryStore(), ...options });
  cached = createSessions<{ n?: number }>({
    store: cacheStore({ front: memoryStore(), back: memoryStore() }),
    ...options,
  });
  server = await serve(sessions);
  cachedServer = await serve(cached);
});

after(async () => {
  await server.close();
  await cachedServer.close();
  await sessions.close();
  await cached.close();
  await telemetry.shutdown();
});

async function visit(
  path: string,
  cookie?: string,
  base = server.url,
): Promise<{ cookie: string | undefined; csrf: string | null }> {
  const response = await fetch(base + path, { headers: cookie === undefined ? {} : { cookie } });
  await response.text();
  const set = response.headers.get('set-cookie');
  const pair = set === null ? undefined : set.split(';')[0];
  const value = pair?.slice('sid='.length);
  if (value) issued.add(value);
  const csrf = response.headers.get('x-csrf');
  if (csrf !== null) issued.add(csrf);
  return { cookie: value ? pair : cookie, csrf };
}

it('no ticket, token, store key, session id or user id appears in any exported span or metric', async () => {
  for (const user of USERS) {
    let { cookie } = await visit('/write');
    ({ cookie } = await visit(`/login?user=${user}`, cookie));
    for (let i = 0; i < 3; i++) await visit('/read', cookie);
    await visit('/write', cookie);
    ({ cookie } = await visit('/rotate', cookie));
    const { csrf } = await visit('/csrf', cookie);
    await visit(`/post?t=${csrf}`, cookie);
    await visit('/post?t=wrong', cookie);
    await visit('/read', 'sid=not-a-ticket');
    await visit(`/login?user=${user}`);
    for (const entry of await sessions.listUser(user)) sessionIds.add(entry.sessionId);
    await visit('/logout', cookie);
  }
  await sessions.revokeUser(USERS[1]!);
  for (let i = 0; i < 3; i++) {
    const { cookie } = await visit('/write', undefined, cachedServer.url);
    await visit('/read', cookie, cachedServer.url);
    await visit('/write', cookie, cachedServer.url);
    await visit('/logout', cookie, cachedServer.url);
  }

  const haystack = await everythingExported(telemetry);
  // The haystack is real: store spans, lifecycle counters and cache lookups were exported.
  assert.match(haystack, /"get coatcheck\.cache"/);
  assert.ok(haystack.includes(`"${ATTR.sessionEvent}":"revoked"`));
  assert.ok(haystack.includes(`"${ATTR.cacheResult}":"hit"`));
  assert.ok(issued.size >= 10, `only ${issued.size} tickets issued`);
  assert.ok(sessionIds.size >= 2);

  const secrets = new Set<string>(USERS);
  for (const ticket of issued) {
    secrets.add(ticket);
    const token = ticket.split('.')[0]!;
    secrets.add(token);
    const key = storeKeyFor(token, PREFIX);
    secrets.add(key);
    secrets.add(key.slice(PREFIX.length));
  }
  for (const id of sessionIds) secrets.add(id);
  const leaked = [...secrets].filter((secret) => haystack.includes(secret));
  assert.deepEqual(leaked, [], `${leaked.length} of ${secrets.size} secrets appear in exported telemetry`);
});
