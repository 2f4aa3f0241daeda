/**
 * Soak test (`npm run soak`, not part of `npm test`): mixed traffic against the SQLite and Redis
 * stores for SOAK_SECONDS (default 600) while the stores are restarted every SOAK_RESTART_SECONDS
 * (default 30): the private redis-server is SIGKILLed and started again (append-only file with an
 * fsync per write, so it loses nothing it acknowledged); the SQLite store is closed and reopened
 * on the same file. Prints requests served, 503s, lost writes (must be 0) and memory growth, and
 * exits 1 when a write was lost or a user saw something they never should.
 *
 * Environment: SOAK_SECONDS, SOAK_RESTART_SECONDS, SOAK_CLIENTS (default 40 per store).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../src/core/store.ts';
import { storeFromUrl } from '../src/stores/from-url.ts';
import { sqliteStore } from '../src/stores/sqlite.ts';
import { startFaultApp } from '../test/support/fault-app.ts';
import {
  type LoadClient,
  type LoadStats,
  newClients,
  newStats,
  step,
  verifyAll,
} from '../test/support/fault-load.ts';
import { startRedis } from '../test/support/fault-servers.ts';

const seconds = Number(process.env.SOAK_SECONDS ?? 600);
const restartEvery = Number(process.env.SOAK_RESTART_SECONDS ?? 30) * 1000;
const clientCount = Number(process.env.SOAK_CLIENTS ?? 40);
/** A client starts a new session after this many acknowledged keys, so sessions stay small. */
const KEYS_PER_SESSION = 60;

/** A store whose backing instance can be swapped, as an app restarting its store would. */
function swappable(open: () => Store): { store: Store; restart(): Promise<void> } {
  let current: Store | undefined = open();
  const use = (): Store => {
    if (current === undefined) throw new Error('store restarting');
    return current;
  };
  const store: Store = {
    name: 'sqlite',
    get: async (key) => use().get(key),
    create: async (key, record) => use().create(key, record),
    update: async (key, patch) => use().update(key, patch),
    touch: async (key, window) => use().touch(key, window),
    delete: async (key) => use().delete(key),
    close: async () => current?.close(),
  };
  return {
    store,
    async restart() {
      const old = current;
      current = undefined;
      await old?.close();
      await new Promise((resolve) => setTimeout(resolve, 500));
      current = open();
    },
  };
}

interface Lane {
  readonly name: string;
  readonly url: string;
  readonly stats: LoadStats;
  readonly clients: LoadClient[];
  restarts: number;
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function lane(
  name: string,
  store: Store,
  restart: () => Promise<void>,
  cleanup: () => Promise<void>,
): Promise<Lane> {
  const app = await startFaultApp({ store, storeTimeout: 1000 });
  return {
    name,
    url: app.url,
    stats: newStats(),
    clients: newClients(clientCount, app.url, `${name}-`),
    restarts: 0,
    restart,
    async close() {
      await app.close();
      await cleanup();
    },
  };
}

async function drive(lane: Lane, deadline: number): Promise<void> {
  const restarts = (async () => {
    while (Date.now() + restartEvery < deadline) {
      await new Promise((resolve) => setTimeout(resolve, restartEvery));
      await lane.restart();
      lane.restarts++;
    }
  })();
  await Promise.all(
    lane.clients.map(async (client) => {
      while (Date.now() < deadline) {
        await step(client, lane.stats);
        if (client.acked.size >= KEYS_PER_SESSION) {
          client.browser.cookie = undefined;
          client.acked.clear();
          client.maybe.clear();
        }
      }
    }),
  );
  await restarts;
}

const dir = await mkdtemp(join(tmpdir(), 'cc-soak-'));
const redis = await startRedis({ durable: true });
const sqlitePath = join(dir, 'soak.db');
const sqlite = swappable(() => sqliteStore({ database: sqlitePath }));
const lanes = [
  await lane('sqlite', sqlite.store, sqlite.restart, async () => undefined),
  await lane(
    'redis',
    await storeFromUrl(redis.url, { prefix: 'soak:' }),
    async () => {
      await redis.stop();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await redis.start();
    },
    async () => undefined,
  ),
];

const memoryAtStart = process.memoryUsage();
const started = Date.now();
console.log(`soak: ${seconds}s, restart every ${restartEvery / 1000}s, ${clientCount} clients per store`);
const ticker = setInterval(() => {
  const line = lanes.map((l) => `${l.name} ${l.stats.served} ok / ${l.stats.unavailable} 503`).join(', ');
  console.log(`  ${Math.round((Date.now() - started) / 1000)}s: ${line}`);
}, 30_000);
await Promise.all(lanes.map((l) => drive(l, started + seconds * 1000)));
clearInterval(ticker);
for (const l of lanes) await verifyAll(l.clients, l.stats);
const memoryAtEnd = process.memoryUsage();

let failed = false;
console.log('\nstore    served   503s   restarts  lost writes  violations');
for (const l of lanes) {
  const { served, unavailable, lostWrites, violations } = l.stats;
  console.log(
    `${l.name.padEnd(8)} ${String(served).padStart(7)} ${String(unavailable).padStart(6)} ${String(l.restarts).padStart(10)} ${String(lostWrites).padStart(12)} ${String(violations.length).padStart(11)}`,
  );
  for (const violation of violations.slice(0, 10)) console.log(`  ! ${violation}`);
  if (lostWrites > 0 || violations.length > 0) failed = true;
}
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
console.log(
  `memory: rss ${mb(memoryAtStart.rss)} → ${mb(memoryAtEnd.rss)}, heap ${mb(memoryAtStart.heapUsed)} → ${mb(memoryAtEnd.heapUsed)}`,
);
for (const l of lanes) await l.close();
await redis.destroy();
await rm(dir, { recursive: true, force: true });
console.log(failed ? 'soak FAILED' : 'soak passed');
process.exitCode = failed ? 1 : 0;
