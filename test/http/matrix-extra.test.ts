/**
 * More of the behaviour matrix: a real store that is down (503, no crash, nothing half-sent),
 * redirects, streamed and `sendFile` responses committed before their first byte, and the
 * `coatcheck/testing` HTTP helpers driving real apps. Every test title starts with the adapter name.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createSessions, type Sessions, type StandardSchemaV1 } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { postgresStore } from '../../src/stores/postgres.ts';
import { createTestSession, readResponseSession } from '../../src/testing/http-helpers.ts';
import type { AppData } from './app-script.ts';
import { adaptersUnderTest } from './apps/all.ts';
import type { RunningApp } from './apps/types.ts';
import { Jar, parseSetCookie, request } from './client.ts';

/** Adapters whose test app serves `/redirect` and `/stream` (the framework-only routes). */
const FRAMEWORK_ROUTES = new Set(['express', 'express4', 'fastify', 'hono', 'koa', 'koa2', 'next']);
/** A well-formed ticket no store knows: the server must look it up. */
const UNKNOWN_TICKET = 'A'.repeat(43);

/** A hand-written Standard Schema validator: `count`, when present, must be a number. */
const countIsNumber: StandardSchemaV1 = {
  '~standard': {
    version: 1,
    vendor: 'coatcheck-test',
    validate: (value) => {
      const count = (value as { count?: unknown }).count;
      return count === undefined || typeof count === 'number'
        ? { value }
        : { issues: [{ message: 'count must be a number' }] };
    },
  },
};

/** A loopback port with nothing listening: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

for (const adapter of adaptersUnderTest) {
  describe(`adapter ${adapter.name} with its store down`, () => {
    let app: RunningApp;
    let pool: pg.Pool;
    before(async () => {
      // A real PostgreSQL store whose server is gone: the driver fails every query (ECONNREFUSED).
      pool = new pg.Pool({ host: '127.0.0.1', port: await closedPort(), connectionTimeoutMillis: 500 });
      pool.on('error', () => {});
      const sessions = createSessions<AppData>({
        store: postgresStore({ pool, pruneIntervalMs: 0 }),
        cookie: { secure: false, name: 'sid' },
        storeTimeout: '2s',
      });
      app = await adapter.start(sessions);
    });
    after(async () => {
      await app.close();
      await pool.end();
    });

    it(`${adapter.name}: a failed save answers 503 with no cookie and none of the handler's body`, async () => {
      const reply = await request(`${app.url}/count`);
      assert.equal(reply.status, 503);
      assert.deepEqual(reply.setCookie, []);
      assert.notEqual(reply.body, '1', 'the handler output was never sent');
    });

    it(`${adapter.name}: a write not awaited whose load fails answers 503, and the server keeps serving`, async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const reply = await request(`${app.url}/set-unawaited?n=3`, { cookie: `sid=${UNKNOWN_TICKET}` });
        assert.equal(reply.status, 503, 'the commit waited for the write and reported its failure');
        assert.deepEqual(reply.setCookie, []);
        assert.notEqual(reply.body, 'set', 'the handler output was never sent');
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.deepEqual(unhandled, [], 'no unhandled rejection');
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      assert.equal((await request(`${app.url}/untouched`)).status, 200, 'no crash');
    });

    it(`${adapter.name}: a failed load answers 503, and the server keeps serving`, async () => {
      const reply = await request(`${app.url}/read`, { cookie: `sid=${UNKNOWN_TICKET}` });
      assert.equal(reply.status, 503);
      assert.deepEqual(reply.setCookie, []);
      const next = await request(`${app.url}/untouched`);
      assert.equal(next.status, 200, 'no crash: requests that need no store still work');
      assert.equal(next.body, 'untouched');
    });
  });

  describe(`adapter ${adapter.name} with the testing helpers`, () => {
    let app: RunningApp;
    let sessions: Sessions<AppData>;
    before(async () => {
      sessions = createSessions<AppData>({
        store: memoryStore(),
        cookie: { secure: false, name: 'sid' },
        secrets: ['a-test-secret-that-is-long-enough-32b'],
      });
      app = await adapter.start(sessions);
    });
    after(() => app.close());

    it(`${adapter.name}: a session seeded with data and a user is seen by the app`, async () => {
      const seeded = await createTestSession(sessions, { data: { count: 41 }, userId: 'dana' });
      const cookie = seeded.cookie!;
      assert.equal((await request(`${app.url}/whoami`, { cookie })).body, 'dana');
      const reply = await request(`${app.url}/count`, { cookie });
      assert.equal(reply.body, '42');
      const stored = await readResponseSession(sessions, {
        setCookie: reply.setCookie,
        ticket: seeded.ticket,
      });
      assert.deepEqual(stored?.data, { count: 42 });
      assert.equal(stored?.userId, 'dana');
    });

    it(`${adapter.name}: readResponseSession follows a new cookie and sees a logout`, async () => {
      const created = await request(`${app.url}/count`);
      const stored = await readResponseSession(sessions, { setCookie: created.setCookie });
      assert.deepEqual(stored?.data, { count: 1 });
      const jar = new Jar('sid');
      jar.take(created);
      const logout = await request(`${app.url}/logout`, { method: 'POST', cookie: jar.header! });
      assert.equal(
        await readResponseSession(sessions, { setCookie: logout.setCookie, ticket: jar.value }),
        undefined,
      );
      assert.equal(
        await readResponseSession(sessions, { ticket: jar.value }),
        undefined,
        'deleted in the store',
      );
    });
  });

  describe(`adapter ${adapter.name} with schema validation`, () => {
    let app: RunningApp;
    let sessions: Sessions<AppData>;
    const corrupt: string[] = [];
    before(async () => {
      sessions = createSessions<AppData>({
        store: memoryStore(),
        cookie: { secure: false, name: 'sid' },
        schema: countIsNumber,
      });
      sessions.on('corrupt_record', (event) => corrupt.push(event.error.message));
      app = await adapter.start(sessions);
    });
    after(() => app.close());

    it(`${adapter.name}: data failing the schema never reaches the app and the session starts fresh`, async () => {
      const valid = await createTestSession(sessions, { data: { count: 7 } });
      assert.equal((await request(`${app.url}/read`, { cookie: valid.cookie! })).body, '7');
      assert.deepEqual(corrupt, []);
      // Written by an older release, or tampered with in the store: a string where a number belongs.
      const invalid = await createTestSession(sessions, {
        data: { count: 'seven' as unknown as number, note: 'kept?' },
      });
      const reply = await request(`${app.url}/read`, { cookie: invalid.cookie! });
      assert.equal(reply.body, '0');
      assert.equal(corrupt.length, 1);
      assert.match(corrupt[0]!, /count must be a number/);
      const counted = await request(`${app.url}/count`, { cookie: invalid.cookie! });
      assert.equal(counted.body, '1', 'a fresh session, not the invalid data');
    });
  });

  if (!FRAMEWORK_ROUTES.has(adapter.name)) continue;

  describe(`adapter ${adapter.name} framework responses`, () => {
    let app: RunningApp;
    let sessions: Sessions<AppData>;
    before(async () => {
      sessions = createSessions<AppData>({ store: memoryStore(), cookie: { secure: false, name: 'sid' } });
      app = await adapter.start(sessions);
    });
    after(() => app.close());

    it(`${adapter.name}: a redirect carries the new session cookie`, async () => {
      const reply = await request(`${app.url}/redirect`);
      assert.ok(reply.status >= 300 && reply.status < 400, `status ${reply.status}`);
      assert.match(reply.headers.get('location') ?? '', /\/read$/);
      assert.equal(reply.setCookie.length, 1);
      const jar = new Jar('sid');
      jar.take(reply);
      assert.equal((await request(`${app.url}/note`, { cookie: jar.header! })).body, 'redirected');
    });

    it(`${adapter.name}: a streamed response is committed before its first byte`, async () => {
      const reply = await request(`${app.url}/stream`);
      assert.equal(reply.status, 200);
      assert.ok(reply.body.length > 0);
      assert.equal(reply.setCookie.length, 1, 'Set-Cookie made it into the headers');
      assert.match(reply.headers.get('vary') ?? '', /cookie/i);
      const stored = await readResponseSession(sessions, { setCookie: reply.setCookie });
      assert.equal(stored?.data.note, 'streamed');
    });

    if (adapter.name.startsWith('express')) {
      it(`${adapter.name}: res.sendFile is committed before the file goes out`, async () => {
        const reply = await request(`${app.url}/file`);
        assert.equal(reply.status, 200);
        assert.match(reply.body, /appScript/);
        assert.equal(parseSetCookie(reply.setCookie[0]!).name, 'sid');
        const stored = await readResponseSession(sessions, { setCookie: reply.setCookie });
        assert.equal(stored?.data.note, 'file');
      });
    }
  });
}
