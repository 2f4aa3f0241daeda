/**
 * `coatcheck/otel`: OpenTelemetry traces and metrics for a session manager. The only module of
 * coatcheck that imports `@opentelemetry/api` (an optional peer dependency): `import 'coatcheck'`
 * loads none of it, and a manager that is never instrumented pays one field check per store call.
 *
 * What it reports (names: ./otel/names.ts, and docs/observability.md):
 * - a span per store call, child of the active span, with `db.system.name`, `db.operation.name`,
 *   the store's outcome and, on failure, `error.type`;
 * - the store-call duration histogram and error counter, per store and operation;
 * - counters for the session lifecycle (created, rotated, login, destroyed, expired, revoked),
 *   commits by decision, 503s, codec rejections and CSRF refusals, and a caching tier's hits.
 * No ticket, store key, session id or user id ever becomes an attribute.
 */
import {
  type Counter,
  type MeterProvider,
  metrics,
  type ObservableResult,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { SessionData } from './core/session-types.ts';
import { attachTelemetry, type Sessions } from './core/sessions.ts';
import type { CommitLabel, Telemetry } from './core/telemetry.ts';
import { ATTR, DURATION_BUCKETS, METRIC, SCOPE } from './otel/names.ts';
import { StoreCallObserver, storeErrorType } from './otel/store-calls.ts';

export { ATTR, dbSystemName, METRIC } from './otel/names.ts';

/** Options of {@link instrument}. */
export interface InstrumentOptions {
  /** Where spans go. Default: the global provider (`trace.getTracerProvider()`). `false`: no spans. */
  readonly tracerProvider?: TracerProvider | false;
  /** Where metrics go. Default: the global provider (`metrics.getMeterProvider()`). `false`: no metrics. */
  readonly meterProvider?: MeterProvider | false;
}

/** An attached instrumentation. */
export interface Instrumentation {
  /** Stops reporting: detaches from the manager and removes the event listeners and gauges. */
  detach(): void;
}

/**
 * Reports `sessions`' store calls and lifecycle to OpenTelemetry. Call once per manager, at
 * start-up; a second call replaces the first.
 * @example
 * import { instrument } from 'coatcheck/otel';
 * const sessions = createSessions({ store });
 * instrument(sessions); // the global providers, as set up by @opentelemetry/sdk-node
 * @throws TypeError when `sessions` did not come from `createSessions`.
 */
export function instrument<Data extends SessionData>(
  sessions: Sessions<Data>,
  options: InstrumentOptions = {},
): Instrumentation {
  const tracerProvider = options.tracerProvider ?? trace.getTracerProvider();
  const meterProvider = options.meterProvider ?? metrics.getMeterProvider();
  const tracer = tracerProvider === false ? undefined : tracerProvider.getTracer(SCOPE);
  const meter = meterProvider === false ? undefined : meterProvider.getMeter(SCOPE);

  const counter = (name: string, description: string, unit = '{call}') =>
    meter?.createCounter(name, { description, unit });
  const observer = new StoreCallObserver({
    tracer,
    duration: meter?.createHistogram(METRIC.storeDuration, {
      description: 'Duration of session store calls.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    errors: counter(METRIC.storeErrors, 'Session store calls that failed.'),
  });
  const events = counter(METRIC.sessionEvents, 'Session lifecycle events.', '{session}');
  const commits = counter(METRIC.commits, 'Session commits, by decision.', '{commit}');
  const unavailable = counter(
    METRIC.unavailable,
    'Commits that failed because the session store was unavailable (answered 503).',
    '{commit}',
  );
  const codec = counter(METRIC.codecRejections, 'Session data refused by the codec.', '{value}');
  const csrf = counter(METRIC.csrfRefusals, 'Requests refused by the CSRF check.', '{request}');

  const telemetry: Telemetry = {
    storeCall: (storeName, operation, call) => observer.observe(storeName, operation, call),
    committed: (decision: CommitLabel | undefined, error: unknown) => {
      if (decision !== undefined) {
        commits?.add(1, { [ATTR.commitDecision]: decision });
        return;
      }
      const type = storeErrorType(error);
      commits?.add(1, { [ATTR.errorType]: type });
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'COATCHECK_STORE_UNAVAILABLE') unavailable?.add(1);
      else if (code === 'COATCHECK_CODEC') codec?.add(1, { [ATTR.codecDirection]: 'encode' });
    },
  };

  const unsubscribe = subscribe(sessions, events, codec, csrf);
  const cacheGauge = observeCache(sessions, meter);
  attachTelemetry(sessions as unknown as Sessions<never>, telemetry);
  return {
    detach() {
      attachTelemetry(sessions as unknown as Sessions<never>, undefined);
      for (const off of unsubscribe) off();
      cacheGauge?.();
    },
  };
}

/** Lifecycle counters from the audit events: they fire exactly when each thing happens. */
function subscribe<Data extends SessionData>(
  sessions: Sessions<Data>,
  events: Counter | undefined,
  codec: Counter | undefined,
  csrf: Counter | undefined,
): (() => void)[] {
  const off: (() => void)[] = [];
  if (events !== undefined) {
    const count = (event: string) => {
      const attributes = { [ATTR.sessionEvent]: event };
      return () => events.add(1, attributes);
    };
    off.push(
      sessions.on('create', count('created')),
      sessions.on('rotate', count('rotated')),
      sessions.on('login', count('login')),
      sessions.on('destroy', count('destroyed')),
      sessions.on('expire', (event) =>
        events.add(1, { [ATTR.sessionEvent]: 'expired', [ATTR.expireReason]: event.reason }),
      ),
      sessions.on('revoke', (event) => events.add(event.count, { [ATTR.sessionEvent]: 'revoked' })),
    );
  }
  if (codec !== undefined) {
    const decode = { [ATTR.codecDirection]: 'decode' };
    off.push(sessions.on('corrupt_record', () => codec.add(1, decode)));
  }
  if (csrf !== undefined) {
    off.push(sessions.on('csrf_refused', (event) => csrf.add(1, { [ATTR.csrfReason]: event.reason })));
  }
  return off;
}

/** A cache's hit and miss totals, read at collection time (no cost per read here). */
function observeCache<Data extends SessionData>(
  sessions: Sessions<Data>,
  meter: ReturnType<MeterProvider['getMeter']> | undefined,
): (() => void) | undefined {
  const store = sessions.options.store;
  // A caching tier, or a store caching by itself (Redis `cache`): the same two counters.
  const tiers = store.tiers;
  const source = tiers !== undefined ? () => tiers.lookups() : store.cacheLookups;
  if (meter === undefined || source === undefined) return undefined;
  const lookups = meter.createObservableCounter(METRIC.cacheLookups, {
    description:
      'Reads of a cache (a caching tier, or a store with its own in-process copy): answered by it (hit) or by the store behind it (miss).',
    unit: '{read}',
  });
  const hit = { [ATTR.cacheResult]: 'hit', [ATTR.storeName]: store.name };
  const miss = { [ATTR.cacheResult]: 'miss', [ATTR.storeName]: store.name };
  const report = (result: ObservableResult) => {
    const { hits, misses } = source();
    result.observe(hits, hit);
    result.observe(misses, miss);
  };
  lookups.addCallback(report);
  return () => lookups.removeCallback(report);
}
