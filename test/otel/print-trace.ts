/**
 * Prints the span tree of one `GET /write` (Express + Redis, coatcheck/otel on the real SDK, the
 * request inside a SERVER span as an HTTP instrumentation would make it): the trace shown in
 * docs/observability.md. `node --import tsx test/otel/print-trace.ts` (Redis on COATCHECK_REDIS_URL).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { getSession, session } from '../../src/adapters/express.ts';
import { createSessions } from '../../src/index.ts';
import { instrument } from '../../src/otel.ts';
import { redisStore } from '../../src/stores/redis.ts';
import { TestTelemetry } from '../support/otel-sdk.ts';
import { serviceUrls, uniqueName } from '../support/services.ts';

process.env.NODE_ENV = 'development';
const telemetry = new TestTelemetry();
const client = new Redis(serviceUrls.redis);
const prefix = `${uniqueName('cc-trace')}:`;
const sessions = createSessions<{ count?: number }>({
  store: redisStore({ client, prefix }),
  cookie: { name: 'sid', secure: false },
});
instrument(sessions, { tracerProvider: telemetry.tracerProvider, meterProvider: telemetry.meterProvider });
const app = express();
app.use(session(sessions));
app.get('/write', async (req, res) => {
  const s = getSession(req, sessions);
  await s.set('count', ((await s.get('count')) ?? 0) + 1);
  res.send('ok');
});
const server = createServer((req, res) =>
  telemetry.inRequestSpan(`GET ${req.url}`, (span) => {
    span.setAttribute('http.request.method', 'GET');
    span.setAttribute('url.path', req.url ?? '/');
    res.on('close', () => span.end());
    app(req, res);
  }),
);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const first = await fetch(`${base}/write`);
const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
telemetry.reset();
await (await fetch(`${base}/write`, { headers: { cookie } })).text();
const spans = await telemetry.requestDone();
const ms = (span: (typeof spans)[number]) => (span.duration[0] * 1e3 + span.duration[1] / 1e6).toFixed(2);
const root = spans.find((span) => span.parentSpanContext === undefined)!;
const print = (span: typeof root, depth: number) => {
  const attributes = Object.entries(span.attributes)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  console.log(
    `${'  '.repeat(depth)}${span.name}  [${['INTERNAL', 'SERVER', 'CLIENT'][span.kind]}] ${ms(span)} ms  ${attributes}`,
  );
  for (const child of spans.filter((s) => s.parentSpanContext?.spanId === span.spanContext().spanId))
    print(child, depth + 1);
};
print(root, 0);
const keys = await client.keys(`${prefix}*`);
if (keys.length > 0) await client.del(...keys);
server.close();
await sessions.close();
client.disconnect();
await telemetry.shutdown();
