/**
 * `sessions.health()`: what a readiness probe needs to know about the session store. One `get` of
 * a random key (it cannot exist, so every store answers it the cheap way: a miss) under a
 * deadline, timed; for a caching tier, the same probe on its front and its back, and its hit
 * counts. Never throws: a failure is part of the report.
 */
import { type Duration, toMilliseconds } from './duration.ts';
import type { ResolvedOptions } from './options.ts';
import type { Store, StoreCapabilities } from './store.ts';
import { callStore } from './store-call.ts';
import { generateToken, storeKeyFor } from './token.ts';

/** Options of `sessions.health()`. */
export interface HealthOptions {
  /** Longest wait for each probe. Default: the manager's `storeTimeout` (2 s unless configured). */
  readonly timeout?: Duration;
}

/** How one store answered the probe. */
export interface StoreProbe {
  /** The store's name, e.g. `redis`. */
  readonly name: string;
  /** It answered within the deadline. */
  readonly ok: boolean;
  /** How long it took (ms, fractional), or until the deadline when it did not answer. */
  readonly latencyMs: number;
  /** Why it failed: the error's code (`COATCHECK_STORE_UNAVAILABLE`) and message. Never a key. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** What `sessions.health()` answers. Stable: scripts and dashboards may rely on these fields. */
export interface HealthReport {
  /**
   * `ok`: the store answered. `degraded`: a caching tier's front failed but its back answered
   * (reads still work, slower). `down`: the store (or a tier's back) did not answer.
   */
  readonly status: 'ok' | 'degraded' | 'down';
  /** When the check ran (ms since the epoch, the manager's clock). */
  readonly checkedAt: number;
  /** The store the sessions use, probed through the same path a session read takes. */
  readonly store: StoreProbe;
  /** What the store can do beyond the required methods. */
  readonly capabilities: StoreCapabilities;
  /** For a caching tier: each part probed on its own, and how reads went since start. */
  readonly cache?: {
    readonly front: StoreProbe;
    readonly back: StoreProbe;
    readonly hits: number;
    readonly misses: number;
    /** hits / (hits + misses); `null` before the first read. */
    readonly hitRatio: number | null;
  };
}

/** Runs the checks for the manager configured by `options`. */
export async function checkHealth(
  options: ResolvedOptions,
  capabilities: StoreCapabilities,
  health: HealthOptions = {},
): Promise<HealthReport> {
  const timeoutMs =
    health.timeout === undefined ? options.storeTimeoutMs : toMilliseconds(health.timeout, 'timeout');
  const store = options.store;
  const checkedAt = options.now();
  // A fresh key of the real shape each time: never a session's, so a probe can never read one.
  const key = storeKeyFor(generateToken(), options.keyPrefix);
  const tiers = store.tiers;
  const [main, front, back] = await Promise.all([
    probe(store, key, timeoutMs),
    tiers === undefined ? undefined : probe(tiers.front, key, timeoutMs),
    tiers === undefined ? undefined : probe(tiers.back, key, timeoutMs),
  ]);
  let status: HealthReport['status'] = main.ok ? 'ok' : 'down';
  if (back !== undefined && !back.ok) status = 'down';
  else if (front !== undefined && !front.ok) status = 'degraded';
  const report = { status, checkedAt, store: main, capabilities };
  if (tiers === undefined || front === undefined || back === undefined) return report;
  const { hits, misses } = tiers.lookups();
  const total = hits + misses;
  return { ...report, cache: { front, back, hits, misses, hitRatio: total === 0 ? null : hits / total } };
}

async function probe(store: Store, key: string, timeoutMs: number): Promise<StoreProbe> {
  const started = performance.now();
  try {
    await callStore(store.name, 'get', timeoutMs, () => store.get(key));
    return { name: store.name, ok: true, latencyMs: elapsed(started) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: store.name,
      ok: false,
      latencyMs: elapsed(started),
      error: {
        code: typeof code === 'string' ? code : 'COATCHECK_STORE_UNAVAILABLE',
        message: error instanceof Error ? error.message : String(error),
      },
    };
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
