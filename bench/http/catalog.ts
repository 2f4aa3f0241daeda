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
    id: 'express-dictionary',
    title: 'express (no session), req/res switched to dictionary properties (reference)',
    counted: 'none',
  },
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
    id: 'express-coatcheck-ioredis',
    title: 'express + coatcheck (redis, ioredis client)',
    counted: 'redis',
    versus: 'express-session-redis',
    ours: true,
  },
  {
    id: 'express-coatcheck-redis-cache',
    title: 'express + coatcheck (redis, ioredis, client-side cache)',
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
  {
    id: 'express-coatcheck-kysely',
    title: 'express + coatcheck (kysely on postgres)',
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
    id: 'fastify-coatcheck-redis-cache',
    title: 'fastify + coatcheck (redis, ioredis, client-side cache)',
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

/** Two variants measured side by side in interleaved rounds (interleaved.ts), on some routes. */
export interface PairSpec {
  readonly a: string;
  readonly b: string;
  readonly routes: readonly Route[];
  /** Connections of this pair's load, when not BENCH_CONNECTIONS (the tail pair: 500). */
  readonly connections?: number;
}

/** The routes on which coatcheck's cost over its framework is measured (/new grows the store). */
const OVERHEAD_ROUTES: readonly Route[] = ['/read', '/write', '/untouched'];

/**
 * Variants measured again side by side in interleaved rounds (A, B, then B, A, …), so a drift of
 * the shared machine weighs on both alike: each framework alone against it with coatcheck on
 * memory (the adapter's overhead), coatcheck on Redis against express-session + connect-redis
 * through each Redis client (connect-redis 9 takes node-redis only, so both coatcheck clients face
 * the same express-session), coatcheck on Redis against @fastify/session + connect-redis, the
 * node-redis pair at 500 connections (the tail), Express alone against express-session +
 * connect-redis (the most any session layer on Express could reach against it), Express alone
 * against Express with dictionary-mode req/res (what its hidden classes cost), and the Drizzle
 * and Kysely stores against the raw PostgreSQL store. A pair runs when both of its variants are
 * selected.
 */
export const PAIRS: readonly PairSpec[] = [
  { a: 'express', b: 'express-coatcheck-memory', routes: OVERHEAD_ROUTES },
  { a: 'fastify', b: 'fastify-coatcheck-memory', routes: OVERHEAD_ROUTES },
  { a: 'express-session-redis', b: 'express-coatcheck-redis', routes: ['/read'] },
  { a: 'express-session-redis', b: 'express-coatcheck-ioredis', routes: ['/read'] },
  { a: 'fastify-session-redis', b: 'fastify-coatcheck-redis', routes: ['/read'] },
  { a: 'express-session-redis', b: 'express-coatcheck-redis', routes: ['/read'], connections: 500 },
  { a: 'express-session-redis', b: 'express-coatcheck-redis-cache', routes: ['/read'] },
  // The ceiling of every "× express-session + connect-redis" target: Express with no session at all.
  { a: 'express-session-redis', b: 'express', routes: ['/read'] },
  // What Express's per-request hidden classes cost it (a reference: no session layer on either side).
  { a: 'express', b: 'express-dictionary', routes: ['/read'] },
  { a: 'express-coatcheck-memory', b: 'express-coatcheck-redis-cache', routes: ['/read'] },
  { a: 'fastify-coatcheck-memory', b: 'fastify-coatcheck-redis-cache', routes: ['/read'] },
  { a: 'express-coatcheck-postgres', b: 'express-coatcheck-drizzle', routes: ROUTES },
  { a: 'express-coatcheck-postgres', b: 'express-coatcheck-kysely', routes: ROUTES },
];
