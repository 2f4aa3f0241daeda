/**
 * Telemetry ON for the `-otel` variants: coatcheck/otel with the real OpenTelemetry SDK, every
 * span recorded and exported to an in-memory exporter (cleared as it fills, so memory stays flat),
 * metrics aggregated by a MeterProvider whose reader collects every 10 s, and AsyncLocalStorage
 * context propagation, as @opentelemetry/sdk-node would set it up. Each request runs inside a
 * SERVER span, so store spans have a parent, as under an HTTP instrumentation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { SessionData, Sessions } from 'coatcheck';
import { instrument } from 'coatcheck/otel';
import type { Instrumented } from './shared-coatcheck.ts';

const spans = new InMemorySpanExporter();
const metrics = new InMemoryMetricExporter(0 /* cumulative */);
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
const meterProvider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 10_000 })],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracer = tracerProvider.getTracer('bench-http');
const flush = setInterval(() => {
  spans.reset();
  metrics.reset();
}, 1000);
flush.unref();

/** Instruments a variant's sessions, runs each request inside a SERVER span, and shuts the SDK down with it. */
export const telemetryOn: Instrumented = {
  sessions<D extends SessionData>(sessions: Sessions<D>): Sessions<D> {
    instrument(sessions, { tracerProvider, meterProvider });
    return sessions;
  },
  listener<L extends (req: IncomingMessage, res: ServerResponse) => void>(listener: L): L {
    return function tracedRequest(req: IncomingMessage, res: ServerResponse) {
      tracer.startActiveSpan(req.url ?? '/', { kind: SpanKind.SERVER }, (span) => {
        res.once('finish', () => span.end());
        listener(req, res);
      });
    } as L;
  },
  async close() {
    clearInterval(flush);
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  },
};
