/**
 * The demo's observability: coatcheck/otel feeding an OpenTelemetry MeterProvider whose one
 * reader is the OpenTelemetry Prometheus exporter, without its own HTTP server, so the demo serves
 * `GET /metrics` itself. The same reader is sampled every few seconds for the admin page's charts.
 *
 * Why this exporter and not prom-client: coatcheck reports through the OpenTelemetry metrics API,
 * and this exporter turns exactly those instruments into the Prometheus text format, kept by the
 * OpenTelemetry project in step with the API; prom-client would need every instrument declared a
 * second time. Apps that already run an OpenTelemetry SDK pass their own meter provider instead.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { type DataPoint, type Histogram, MeterProvider, type MetricData } from '@opentelemetry/sdk-metrics';
import type { SessionData, Sessions } from '../src/index.ts';
import { ATTR, instrument, METRIC } from '../src/otel.ts';

/** One sample of the figures the admin page charts (totals since start, as of `at`). */
export interface Sample {
  readonly at: number;
  /** Lifecycle events by name (`created`, `login`, `destroyed`...). */
  readonly events: Readonly<Record<string, number>>;
  /** Commits by decision (`none`, `patch`...), failures under `error`. */
  readonly commits: Readonly<Record<string, number>>;
  readonly storeCalls: number;
  /** Sum of store-call durations, seconds. */
  readonly storeSeconds: number;
  readonly storeErrors: number;
  readonly unavailable: number;
  readonly csrfRefusals: number;
}

/** What the demo keeps for its observability pages. */
export interface DemoTelemetry {
  /** Answers `GET /metrics` in the Prometheus text format. */
  serveMetrics(req: IncomingMessage, res: ServerResponse): void;
  /** Samples, oldest first: the last ten minutes or so. */
  samples(): readonly Sample[];
  /** How often a sample is taken (ms): each chart bar is one such interval. */
  readonly intervalMs: number;
  close(): Promise<void>;
}

const KEEP = 120;

function sums(metric: MetricData | undefined, attribute: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const point of (metric?.dataPoints ?? []) as DataPoint<number>[]) {
    const label = String(point.attributes[attribute] ?? 'error');
    out[label] = (out[label] ?? 0) + point.value;
  }
  return out;
}

function total(metric: MetricData | undefined): number {
  let sum = 0;
  for (const point of (metric?.dataPoints ?? []) as DataPoint<number>[]) sum += point.value;
  return sum;
}

/** Instruments `sessions` and starts sampling. */
export function startTelemetry<Data extends SessionData>(
  sessions: Sessions<Data>,
  intervalMs = 5000,
): DemoTelemetry {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const instrumentation = instrument(sessions, { meterProvider, tracerProvider: false });
  const kept: Sample[] = [];

  const sample = async () => {
    const { resourceMetrics } = await exporter.collect();
    const byName = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics)
      for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
    let storeCalls = 0;
    let storeSeconds = 0;
    for (const point of (byName.get(METRIC.storeDuration)?.dataPoints ?? []) as DataPoint<Histogram>[]) {
      storeCalls += point.value.count;
      storeSeconds += point.value.sum ?? 0;
    }
    kept.push({
      at: Date.now(),
      events: sums(byName.get(METRIC.sessionEvents), ATTR.sessionEvent),
      commits: sums(byName.get(METRIC.commits), ATTR.commitDecision),
      storeCalls,
      storeSeconds,
      storeErrors: total(byName.get(METRIC.storeErrors)),
      unavailable: total(byName.get(METRIC.unavailable)),
      csrfRefusals: total(byName.get(METRIC.csrfRefusals)),
    });
    if (kept.length > KEEP) kept.shift();
  };
  const timer = setInterval(() => void sample().catch(() => {}), intervalMs);
  timer.unref();
  void sample().catch(() => {});

  return {
    serveMetrics: (req, res) => exporter.getMetricsRequestHandler(req, res),
    samples: () => kept,
    intervalMs,
    async close() {
      clearInterval(timer);
      instrumentation.detach();
      await meterProvider.shutdown();
    },
  };
}
