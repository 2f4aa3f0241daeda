/**
 * One span and one histogram point per store call. The span is a child of the caller's active
 * span (the request's, when the app runs OpenTelemetry's HTTP instrumentation) and is itself
 * active while the store works, so a driver's own spans (ioredis, pg) nest under it.
 */
import {
  type Attributes,
  type Counter,
  context,
  type Histogram,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { CoatcheckError, StoreUnavailableError } from '../core/errors.ts';
import { ATTR, dbSystemName } from './names.ts';

/** The instruments a store call reports to. */
export interface StoreCallInstruments {
  readonly tracer: Tracer | undefined;
  readonly duration: Histogram | undefined;
  readonly errors: Counter | undefined;
}

interface CallShape {
  readonly spanName: string;
  readonly attributes: Attributes;
}

/**
 * The `error.type` of a failed store call: `timeout` when core's deadline passed, the driver's
 * error code (`ECONNREFUSED`) or class name when the store failed, the `COATCHECK_*` code of an
 * error a store threw on purpose (a conflict). Never the message: a driver's message may quote a key.
 */
export function storeErrorType(error: unknown): string {
  if (error instanceof StoreUnavailableError) {
    // Core's deadline rejects without a cause; a failure of the store carries what it threw.
    const cause = error.cause;
    if (cause === undefined) return 'timeout';
    const code = (cause as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
    return cause instanceof Error ? cause.name : error.code;
  }
  if (error instanceof CoatcheckError) return error.code;
  return error instanceof Error ? error.name : 'unknown';
}

/** What a store answered, as a low-cardinality label (never a record, key or count of keys). */
export function storeOutcome(operation: string, value: unknown): string | undefined {
  switch (operation) {
    case 'get':
      return value === undefined ? 'miss' : 'hit';
    case 'create':
      return value === true ? 'created' : value === 'limit' ? 'limit' : 'collision';
    case 'update':
    case 'touch':
      return value === true ? 'applied' : 'missing';
    case 'delete':
      return value === true ? 'deleted' : 'missing';
    case 'rotate':
      return typeof value === 'string' ? value : undefined;
    default:
      return undefined;
  }
}

/** Wraps store calls of one session manager with spans and the duration histogram. */
export class StoreCallObserver {
  readonly #instruments: StoreCallInstruments;
  /** Span name and attributes per store and operation, built once: a handful of entries. */
  readonly #shapes = new Map<string, CallShape>();

  constructor(instruments: StoreCallInstruments) {
    this.#instruments = instruments;
  }

  observe<T>(storeName: string, operation: string, call: () => Promise<T>): Promise<T> {
    const shape = this.#shape(storeName, operation);
    const { tracer, duration, errors } = this.#instruments;
    const parent = context.active();
    const span = tracer?.startSpan(
      shape.spanName,
      { kind: SpanKind.INTERNAL, attributes: shape.attributes },
      parent,
    );
    const started = performance.now();
    const promise = span === undefined ? call() : context.with(trace.setSpan(parent, span), call);
    promise.then(
      (value) => {
        duration?.record((performance.now() - started) / 1000, shape.attributes);
        if (span === undefined) return;
        const outcome = storeOutcome(operation, value);
        if (outcome !== undefined) span.setAttribute(ATTR.storeOutcome, outcome);
        span.end();
      },
      (error: unknown) => {
        const type = storeErrorType(error);
        const attributes = { ...shape.attributes, [ATTR.errorType]: type };
        duration?.record((performance.now() - started) / 1000, attributes);
        errors?.add(1, attributes);
        if (span === undefined) return;
        span.setAttribute(ATTR.errorType, type);
        // The type only: error messages are not recorded, since a driver's may quote a key.
        span.setStatus({ code: SpanStatusCode.ERROR, message: type });
        span.end();
      },
    );
    return promise;
  }

  #shape(storeName: string, operation: string): CallShape {
    const id = `${storeName}\u0000${operation}`;
    let shape = this.#shapes.get(id);
    if (shape === undefined) {
      const system = dbSystemName(storeName);
      shape = {
        // Semantic conventions: "{db.operation.name} {target}", the target falling back to the system.
        spanName: `${operation} ${system}`,
        attributes: {
          [ATTR.dbSystem]: system,
          [ATTR.dbOperation]: operation,
          [ATTR.storeName]: storeName,
        },
      };
      this.#shapes.set(id, shape);
    }
    return shape;
  }
}
