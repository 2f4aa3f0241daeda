/**
 * coatcheck/otel on real HTTP requests and real stores, with the real OpenTelemetry SDK: store
 * spans nest under the request's span (and carry the semantic-convention attributes), and the
 * counters and histograms count exactly the requests sent. One suite per store, its name in each title.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { Redis } from 'ioredis';
import { withSessions } from '../../src/adapters/node.ts';
import { createSessions, type Sessions, type Store, verifyCsrf } from '../../src/index.ts';
import { ATTR, instrument, METRIC } from '../../src/otel.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { redisStore } from '../../src/stores/redis.ts';
import { listen } from '../http/apps/listen.ts';
import type { RunningApp } from '../http/apps/types.ts';
import { FaultProxy } from '../support/fault-proxy.ts';
import { counterSum, histogramCount, TestTelemetry } from '../support/otel-sdk.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';

type Data = { cart?: string[] };

/** The app: one route per kind of commit, each request inside a SERVER span as an HTTP instrumentation makes. */
function app(sessions: Sessions<Data>, telemetry: TestTelemetry) {
  const handler = withSessions(sessions, async (req, res, session) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/login') {
      await session.set('cart', ['scarf']);
      await session.login('user-1');
    } else if (path === '/read') {
      await session.get('cart');
    } else if (path === '/write') {
      await session.set('cart', [...((await session.get('cart')) ?? []), 'hat']);
    } else if (path === '/rotate') {
      await session.rotate();
    } else if (path === '/logout') {
      await session.destroy();
    } else if (path === '/form') {
      await verifyCsrf(session, { method: 'POST', token: 'not-the-token' }).catch(() => {
        res.statusCode = 403;
      });
    }
    res.end('ok');
  });
  return (req: IncomingMessage, res: ServerResponse) =>
    telemetry.inRequestSpan(`${req.method} ${req.url}`, (span) => {
      res.on('close', () => span.end());
      handler(req, res);
    });
}

/** A cookie jar of one: sends the last session cookie back. */
class Client {
  cookie: string | undefined;
  constructor(readonly base: string) {}
  async get(path: string): Promise<number> {
    const response = await fetch(this.base + path, {
      headers: this.cookie === undefined ? {} : { cookie: this.cookie },
    });
    await response.text();
    const set = response.headers.get('set-cookie');
    if (set !== null) this.cookie = set.split(';')[0];
    return response.status;
  }
}

const byName = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

interface StoreCase {
  readonly name: string;
  readonly system: string;
  readonly skip?: string | undefined;
  open(): Promise<{ store: Store; close(): Promise<void> }>;
}

const redisSkip = await serviceSkipReason('redis');
const CASES: StoreCase[] = [
  {
    name: 'memory',
    system: 'coatcheck.memory',
    open: async () => {
      const store = memoryStore();
      return { store, close: () => store.close() };
    },
  },
  {
    name: 'redis',
    system: 'redis',
    skip: redisSkip,
    open: async () => {
      const client = new Redis(serviceUrls.redis);
      const prefix = `${uniqueName('cc-otel')}:`;
      const store = redisStore({ client, prefix });
      return {
        store,
        async close() {
          const keys = await client.keys(`${prefix}*`);
          if (keys.length > 0) await client.del(...keys);
          await store.close();
          await client.quit();
        },
      };
    },
  },
];

for (const storeCase of CASES) {
  describe(`coatcheck/otel over HTTP (${storeCase.name})`, { skip: storeCase.skip }, () => {
    const telemetry = new TestTelemetry();
    let opened: Awaited<ReturnType<StoreCase['open']>>;
    let sessions: Sessions<Data>;
    let server: RunningApp;
    let client: Client;

    before(async () => {
      opened = await storeCase.open();
      sessions = createSessions<Data>({ store: opened.store, cookie: { name: 'sid', secure: false } });
      instrument(sessions, {
        tracerProvider: telemetry.tracerProvider,
        meterProvider: telemetry.meterProvider,
      });
      server = await listen(app(sessions, telemetry));
      client = new Client(server.url);
    });
    after(async () => {
      await server.close();
      await sessions.close();
      await opened.close();
      await telemetry.shutdown();
    });

    it(`${storeCase.name}: each store call of a request is a child span of the request span, with db.* attributes`, async () => {
      assert.equal(await client.get('/login'), 200);
      telemetry.reset();
      assert.equal(await client.get('/write'), 200);
      const spans = await telemetry.requestDone();
      const [request] = spans.filter((s) => s.kind === SpanKind.SERVER);
      assert.ok(request, 'the request span was exported');
      const stored = spans.filter((s) => s.instrumentationScope.name === 'coatcheck');
      assert.deepEqual(
        stored.map((s) => s.name),
        [`get ${storeCase.system}`, `update ${storeCase.system}`],
      );
      for (const span of stored) {
        assert.equal(span.parentSpanContext?.spanId, request.spanContext().spanId, `${span.name} parent`);
        assert.equal(span.spanContext().traceId, request.spanContext().traceId);
        assert.equal(span.kind, SpanKind.INTERNAL);
        assert.equal(span.attributes[ATTR.dbSystem], storeCase.system);
        assert.equal(span.attributes[ATTR.storeName], opened.store.name);
        assert.equal(span.status.code, SpanStatusCode.UNSET);
      }
      assert.equal(stored[0]!.attributes[ATTR.dbOperation], 'get');
      assert.equal(stored[0]!.attributes[ATTR.storeOutcome], 'hit');
      assert.equal(stored[1]!.attributes[ATTR.dbOperation], 'update');
      assert.equal(stored[1]!.attributes[ATTR.storeOutcome], 'applied');
    });

    it(`${storeCase.name}: counters and histograms count exactly the requests sent`, async () => {
      const before = await telemetry.metrics();
      const count = (name: string, want = {}) => counterSum(before.get(name), want);
      const reads = 7;
      const baseline = {
        none: count(METRIC.commits, { [ATTR.commitDecision]: 'none' }),
        patch: count(METRIC.commits, { [ATTR.commitDecision]: 'patch' }),
        gets: histogramCount(before.get(METRIC.storeDuration), { [ATTR.dbOperation]: 'get' }),
      };
      for (let i = 0; i < reads; i++) assert.equal(await client.get('/read'), 200);
      assert.equal(await client.get('/write'), 200);
      assert.equal(await client.get('/rotate'), 200);
      assert.equal(await client.get('/form'), 403);
      assert.equal(await client.get('/logout'), 200);
      // A new visitor who never touches the session: no store call, a `none` commit.
      const visitor = new Client(server.url);
      assert.equal(await visitor.get('/'), 200);

      const now = await telemetry.metrics();
      const delta = (name: string, want: Record<string, string>, was = 0) =>
        counterSum(now.get(name), want) - was;
      assert.equal(delta(METRIC.commits, { [ATTR.commitDecision]: 'none' }, baseline.none), reads + 2);
      assert.equal(delta(METRIC.commits, { [ATTR.commitDecision]: 'patch' }, baseline.patch), 1);
      assert.equal(delta(METRIC.commits, { [ATTR.commitDecision]: 'rotate' }), 1);
      assert.equal(delta(METRIC.commits, { [ATTR.commitDecision]: 'delete' }), 1);
      assert.equal(
        delta(METRIC.commits, { [ATTR.commitDecision]: 'create' }),
        1,
        'the /login of the first test',
      );
      // Every request that read the session made exactly one get: 7 reads, /write, /rotate, /form.
      const gets =
        histogramCount(now.get(METRIC.storeDuration), { [ATTR.dbOperation]: 'get' }) - baseline.gets;
      assert.equal(gets, reads + 3);
      assert.equal(histogramCount(now.get(METRIC.storeDuration), { [ATTR.dbOperation]: 'rotate' }), 1);
      assert.equal(histogramCount(now.get(METRIC.storeDuration), { [ATTR.dbOperation]: 'delete' }), 1);
      const events = now.get(METRIC.sessionEvents);
      assert.equal(counterSum(events, { [ATTR.sessionEvent]: 'created' }), 1);
      assert.equal(counterSum(events, { [ATTR.sessionEvent]: 'login' }), 1);
      assert.equal(counterSum(events, { [ATTR.sessionEvent]: 'rotated' }), 1);
      assert.equal(counterSum(events, { [ATTR.sessionEvent]: 'destroyed' }), 1);
      assert.equal(counterSum(now.get(METRIC.csrfRefusals), { [ATTR.csrfReason]: 'token' }), 1);
      assert.equal(counterSum(now.get(METRIC.storeErrors)), 0, 'no store call failed');
      const histogram = now.get(METRIC.storeDuration);
      assert.equal(histogram?.descriptor.unit, 's');
      assert.equal(histogram?.dataPoints[0]?.attributes[ATTR.dbSystem], storeCase.system);
    });

    it(`${storeCase.name}: revoking a user counts every revoked session`, async () => {
      const a = new Client(server.url);
      const b = new Client(server.url);
      await a.get('/login');
      await b.get('/login');
      const before = counterSum((await telemetry.metrics()).get(METRIC.sessionEvents), {
        [ATTR.sessionEvent]: 'revoked',
      });
      assert.equal(await sessions.revokeUser('user-1'), 2);
      const after = counterSum((await telemetry.metrics()).get(METRIC.sessionEvents), {
        [ATTR.sessionEvent]: 'revoked',
      });
      assert.equal(after - before, 2);
    });
  });
}

describe('coatcheck/otel when the store does not answer (redis behind a blackholing proxy)', {
  skip: redisSkip,
}, () => {
  const telemetry = new TestTelemetry();
  let proxy: FaultProxy;
  let client: Redis;
  let sessions: Sessions<Data>;
  let server: RunningApp;

  before(async () => {
    const target = new URL(serviceUrls.redis);
    proxy = await FaultProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
    client = new Redis({ host: '127.0.0.1', port: proxy.port, maxRetriesPerRequest: 1 });
    sessions = createSessions<Data>({
      store: redisStore({ client, prefix: `${uniqueName('cc-otel-fault')}:` }),
      cookie: { name: 'sid', secure: false },
      storeTimeout: 200,
    });
    instrument(sessions, {
      tracerProvider: telemetry.tracerProvider,
      meterProvider: telemetry.meterProvider,
    });
    server = await listen(app(sessions, telemetry));
  });
  after(async () => {
    await server.close();
    await proxy.set('forward');
    await sessions.close();
    client.disconnect();
    await proxy.close();
    await telemetry.shutdown();
  });

  it('redis: a timed-out commit is a 503, an error span with error.type timeout, and counted as unavailable', async () => {
    await proxy.set('blackhole');
    const visitor = new Client(server.url);
    assert.equal(await visitor.get('/login'), 503);
    const spans = (await telemetry.requestDone()).filter((s) => s.instrumentationScope.name === 'coatcheck');
    const failed = spans.filter((s) => s.status.code === SpanStatusCode.ERROR);
    assert.ok(failed.length >= 1, 'an error span');
    for (const span of failed) {
      assert.equal(span.attributes[ATTR.errorType], 'timeout');
      assert.equal(span.status.message, 'timeout', 'the type, never the message');
    }
    assert.equal(byName(spans, 'create redis').length, 1);
    const metrics = await telemetry.metrics();
    assert.equal(counterSum(metrics.get(METRIC.unavailable)), 1);
    assert.equal(counterSum(metrics.get(METRIC.commits), { [ATTR.errorType]: 'timeout' }), 1);
    assert.equal(
      counterSum(metrics.get(METRIC.storeErrors), {
        [ATTR.dbOperation]: 'create',
        [ATTR.errorType]: 'timeout',
      }),
      1,
    );
    assert.equal(
      histogramCount(metrics.get(METRIC.storeDuration), { [ATTR.errorType]: 'timeout' }),
      counterSum(metrics.get(METRIC.storeErrors)),
    );
  });
});
