/**
 * Every span, metric and attribute name `coatcheck/otel` emits, in one place (docs/observability.md
 * tabulates them). OpenTelemetry semantic-convention names where one exists (`db.system.name`,
 * `db.operation.name`, `error.type`), `coatcheck.*` for the rest.
 *
 * None of these ever carries a ticket, a store key, a session id or a user id: each value comes
 * from a small fixed set (operation names, store names, decision and outcome labels, error codes),
 * so every metric keeps a bounded number of series.
 */

/** Attribute names. */
export const ATTR = {
  /** Semantic convention: the database system, e.g. `redis`, `postgresql` (see {@link dbSystemName}). */
  dbSystem: 'db.system.name',
  /** Semantic convention: the store operation, e.g. `get`, `update`, `rotate`. */
  dbOperation: 'db.operation.name',
  /** Semantic convention: why it failed (`timeout`, a driver error code, or a `COATCHECK_*` code). */
  errorType: 'error.type',
  /** The store's own name, e.g. `redis` or `cache(memory→postgres)`. */
  storeName: 'coatcheck.store.name',
  /** What the store answered: `hit`/`miss`, `applied`/`missing`, `rotated`/`superseded`/`gone`/`limit`... */
  storeOutcome: 'coatcheck.store.outcome',
  /** What a commit did: `none`, `touch`, `patch`, `create`, `rotate`, `delete`. */
  commitDecision: 'coatcheck.commit.decision',
  /** Which lifecycle event: `created`, `rotated`, `login`, `destroyed`, `expired`, `revoked`. */
  sessionEvent: 'coatcheck.session.event',
  /** Why a session expired: `idle` or `absolute`. */
  expireReason: 'coatcheck.expire.reason',
  /** A caching tier's read: `hit` (answered by the front) or `miss` (went to the back). */
  cacheResult: 'coatcheck.cache.result',
  /** `decode` (a stored record failed to decode or validate) or `encode` (a commit refused the data). */
  codecDirection: 'coatcheck.codec.direction',
  /** Why a CSRF check refused: `cross_site`, `origin` or `token`. */
  csrfReason: 'coatcheck.csrf.reason',
} as const;

/** Metric names. */
export const METRIC = {
  /** Histogram (s): every store call, by store and operation; failures carry `error.type`. */
  storeDuration: 'coatcheck.store.operation.duration',
  /** Counter: store calls that failed (an unreachable or slow store, a store-side conflict). */
  storeErrors: 'coatcheck.store.errors',
  /** Counter: session lifecycle events (`coatcheck.session.event`); `revoked` counts sessions. */
  sessionEvents: 'coatcheck.session.events',
  /** Counter: commits by decision; a failed commit carries `error.type` instead. */
  commits: 'coatcheck.commits',
  /** Counter: commits that failed because the store was unavailable: each is a 503 in every adapter. */
  unavailable: 'coatcheck.session.unavailable',
  /** Observable counter: a caching tier's reads by `coatcheck.cache.result`. */
  cacheLookups: 'coatcheck.cache.lookups',
  /** Counter: session data refused by the codec (`coatcheck.codec.direction`). */
  codecRejections: 'coatcheck.codec.rejections',
  /** Counter: requests `verifyCsrf` refused, by `coatcheck.csrf.reason`. */
  csrfRefusals: 'coatcheck.csrf.refusals',
} as const;

/** The instrumentation scope (tracer and meter name). */
export const SCOPE = 'coatcheck';

/**
 * Bucket boundaries (s) of the store-call histogram: from 0.1 ms (an in-process store) to the 2 s
 * default store deadline, finer at the low end than the semantic conventions' database buckets,
 * which start at 1 ms and would put every memory and local Redis call in the first bucket.
 */
export const DURATION_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

const DB_SYSTEMS: Readonly<Record<string, string>> = {
  redis: 'redis',
  postgres: 'postgresql',
  mysql: 'mysql',
  sqlite: 'sqlite',
  memcached: 'memcached',
};

/**
 * `db.system.name` for a store name: the semantic conventions' well-known value where one exists
 * (`postgres` → `postgresql`), else `coatcheck.<name>` (`coatcheck.memory`, `coatcheck.fs`,
 * `coatcheck.cache` for a caching tier), as the conventions allow for systems they do not list.
 */
export function dbSystemName(storeName: string): string {
  const known = DB_SYSTEMS[storeName];
  if (known !== undefined) return known;
  return storeName.startsWith('cache(') ? 'coatcheck.cache' : `coatcheck.${storeName}`;
}
