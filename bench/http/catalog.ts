/**
 * The variants of the HTTP benchmark, in the order they run and print. Each `id` names a module in
 * `variants/`; `versus` names the express-session / @fastify/session variant on the same store that
 * the ratio column compares against; `counted` says where store operations are counted.
 */

/** Where a variant's store operations are counted. */
export type Counting = 'none' | 'local' | 'redis';

export interface VariantInfo {
  readonly id: string;
  readonly title: string;
  readonly counted: Counting;
  readonly versus?: string;
  /** True for the coatcheck variants (the ones profiled and judged against targets). */
  readonly ours?: boolean;
}

export const VARIANTS: readonly VariantInfo[] = [
  { id: 'bare', title: 'bare node:http', counted: 'none' },
  { id: 'node-coatcheck-memory', title: 'node:http + coatcheck (memory)', counted: 'local', ours: true },
  { id: 'express', title: 'express (no session)', counted: 'none' },
  {
    id: 'express-req-session-only',
    title: 'express + a middleware that only sets req.session (floor)',
    counted: 'none',
  },
  { id: 'express-session-memory', title: 'express + express-session (MemoryStore)', counted: 'local' },
  { id: 'express-session-redis', title: 'express + express-session + connect-redis', counted: 'redis' },
  {
    id: 'express-coatcheck-memory',
    title: 'express + coatcheck (memory)',
    counted: 'local',
    versus: 'express-session-memory',
    ours: true,
  },
  {
    id: 'express-coatcheck-redis',
    title: 'express + coatcheck (redis)',
    counted: 'redis',
    versus: 'express-session-redis',
    ours: true,
  },
  {
    id: 'express-coatcheck-redis-otel',
    title: 'express + coatcheck (redis) + coatcheck/otel, SDK in-memory',
    counted: 'redis',
    ours: true,
  },
  { id: 'express-coatcheck-sqlite', title: 'express + coatcheck (sqlite)', counted: 'local', ours: true },
  { id: 'express-coatcheck-postgres', title: 'express + coatcheck (postgres)', counted: 'local', ours: true },
  {
    id: 'express-coatcheck-drizzle',
    title: 'express + coatcheck (drizzle on postgres)',
    counted: 'local',
    ours: true,
  },
  { id: 'fastify', title: 'fastify (no session)', counted: 'none' },
  { id: 'fastify-session-memory', title: 'fastify + @fastify/session (memory)', counted: 'local' },
  { id: 'fastify-session-redis', title: 'fastify + @fastify/session + connect-redis', counted: 'redis' },
  {
    id: 'fastify-coatcheck-memory',
    title: 'fastify + coatcheck (memory)',
    counted: 'local',
    versus: 'fastify-session-memory',
    ours: true,
  },
  {
    id: 'fastify-coatcheck-redis',
    title: 'fastify + coatcheck (redis)',
    counted: 'redis',
    versus: 'fastify-session-redis',
    ours: true,
  },
  {
    id: 'fastify-coatcheck-redis-otel',
    title: 'fastify + coatcheck (redis) + coatcheck/otel, SDK in-memory',
    counted: 'redis',
    ours: true,
  },
];

/** The routes, in the order they run: `/new` last, so the sessions it creates never evict the benchmark's session from an LRU. */
export const ROUTES = ['/read', '/write', '/untouched', '/new'] as const;
export type Route = (typeof ROUTES)[number];

/** Routes sent with the session cookie. `/new` and `/untouched` are sent without one, as in the anchor run. */
export const WITH_COOKIE: ReadonlySet<string> = new Set(['/read', '/write']);

/**
 * What the round-trip count covers: the four routes as loaded, plus `/untouched` sent WITH the
 * cookie (a page that ignores its session while the browser still presents the ticket).
 */
export const TRIP_CASES = [
  { label: '/read', route: '/read', cookie: true },
  { label: '/write', route: '/write', cookie: true },
  { label: '/untouched', route: '/untouched', cookie: false },
  { label: '/new', route: '/new', cookie: false },
  { label: '/untouched + cookie', route: '/untouched', cookie: true },
] as const;
export type TripLabel = (typeof TRIP_CASES)[number]['label'];

/**
 * Variants measured again side by side in interleaved rounds (A, B, B, A, …), so a drift of the
 * shared machine weighs on both alike: the Drizzle store against the raw PostgreSQL store.
 */
export const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['express-coatcheck-postgres', 'express-coatcheck-drizzle'],
];
