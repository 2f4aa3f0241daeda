/**
 * The real OpenTelemetry SDK for tests: a tracer provider exporting to an InMemorySpanExporter, a
 * meter provider with a reader the test collects from on demand, and AsyncLocalStorage context
 * propagation (as @opentelemetry/sdk-node installs it), so parenting works across awaits.
 */
import { type Attributes, context, type Span, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** A reader that only exports when the test asks. */
class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

let contextInstalled = false;

/** One SDK per test suite. */
export class TestTelemetry {
  readonly spans = new InMemorySpanExporter();
  readonly tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: this.spans })],
  });
  readonly reader = new OnDemandReader();
  readonly meterProvider = new MeterProvider({ readers: [this.reader] });

  constructor() {
    if (!contextInstalled) {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      contextInstalled = true;
    }
  }

  /** Runs `work` inside a SERVER span named `name`, as an HTTP instrumentation would. */
  inRequestSpan<T>(name: string, work: (span: Span) => T): T {
    const tracer = this.tracerProvider.getTracer('test-http');
    return tracer.startActiveSpan(name, { kind: SpanKind.SERVER }, work);
  }

  finished(): ReadableSpan[] {
    return this.spans.getFinishedSpans();
  }

  /**
   * The finished spans once one of kind SERVER is among them: a response reaches the client
   * just before the server's request span ends (on the response's `close`).
   */
  async requestDone(): Promise<ReadableSpan[]> {
    for (let waited = 0; waited < 2000; waited += 5) {
      const spans = this.finished();
      if (spans.some((span) => span.kind === SpanKind.SERVER)) return spans;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('no request span was exported within 2 s');
  }

  /** Every metric collected now, by name. */
  async metrics(): Promise<Map<string, MetricData>> {
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0) throw errors[0];
    const byName = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
    }
    return byName;
  }

  reset(): void {
    this.spans.reset();
  }

  async shutdown(): Promise<void> {
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
  }
}

/** Whether every `want` attribute is on `point`. */
function matches(point: DataPoint<unknown>, want: Attributes): boolean {
  return Object.entries(want).every(([key, value]) => point.attributes[key] === value);
}

/** The sum of a counter's points whose attributes include `want` (0 when none). */
export function counterSum(metric: MetricData | undefined, want: Attributes = {}): number {
  if (metric === undefined) return 0;
  let sum = 0;
  for (const point of metric.dataPoints as DataPoint<unknown>[])
    if (matches(point, want)) sum += point.value as number;
  return sum;
}

/** The number of recordings in a histogram's points whose attributes include `want`. */
export function histogramCount(metric: MetricData | undefined, want: Attributes = {}): number {
  if (metric === undefined) return 0;
  let count = 0;
  for (const point of metric.dataPoints as DataPoint<Histogram>[])
    if (matches(point, want)) count += point.value.count;
  return count;
}

/** Every span, metric and attribute as one string, to search for things that must not be there. */
export async function everythingExported(telemetry: TestTelemetry): Promise<string> {
  const spans = telemetry.finished().map((span) => ({
    name: span.name,
    attributes: span.attributes,
    status: span.status,
    events: span.events,
    links: span.links,
  }));
  const metrics = [...(await telemetry.metrics()).values()].map((metric) => ({
    descriptor: metric.descriptor,
    points: metric.dataPoints.map((point) => point.attributes),
  }));
  return JSON.stringify({ spans, metrics });
}

export { trace };
