/**
 * The server half of `npm run soak` (scripts/soak.ts), run in a child process of its own so that
 * its memory figures are the apps' and the stores' alone: the load clients, with their record of
 * every acknowledged key, live in the parent. It owns a private redis-server (append-only file,
 * fsync per write) and a SQLite file, serves one fault app per store, and obeys the parent over IPC:
 * it sends {@link SoakReady} once listening, then answers each {@link SoakRequest} with a
 * {@link SoakReply} carrying its `process.memoryUsage()` (measured after a full GC when started
 * with --expose-gc, so heap figures are live data, not garbage waiting to be collected).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/core/store.ts';
import { storeFromUrl } from '../../src/stores/from-url.ts';
import { sqliteStore } from '../../src/stores/sqlite.ts';
import { type FaultApp, startFaultApp } from './fault-app.ts';
import { startRedis } from './fault-servers.ts';

export type SoakLaneName = 'sqlite' | 'redis';

/** Sent once when both apps listen. */
export interface SoakReady {
  readonly ready: ReadonlyArray<{ readonly name: SoakLaneName; readonly url: string }>;
}

/** A command from the parent: restart one lane's store, report memory, or shut down. */
export type SoakRequest =
  | { readonly id: number; readonly command: 'restart'; readonly lane: SoakLaneName }
  | { readonly id: number; readonly command: 'memory' | 'close' };

/** The answer to request `id`, sent when the command is done. */
export interface SoakReply {
  readonly id: number;
  readonly memory: NodeJS.MemoryUsage;
}

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
    // Every instance open() makes is alike: the first one speaks for them all.
    ...(current.reportsExpired === undefined ? {} : { reportsExpired: current.reportsExpired }),
    create: async (key, record, limit) => use().create(key, record, limit),
    update: async (key, patch) => use().update(key, patch),
    touch: async (key, window) => use().touch(key, window),
    rotate: async (oldKey, newKey, rotation) => use().rotate(oldKey, newKey, rotation),
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

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = await mkdtemp(join(tmpdir(), 'cc-soak-'));
const redis = await startRedis({ durable: true });
const sqlite = swappable(() => sqliteStore({ database: join(dir, 'soak.db') }));
const apps: Record<SoakLaneName, FaultApp> = {
  sqlite: await startFaultApp({ store: sqlite.store, storeTimeout: 1000 }),
  redis: await startFaultApp({
    store: await storeFromUrl(redis.url, { prefix: 'soak:' }),
    storeTimeout: 1000,
  }),
};
const restarts: Record<SoakLaneName, () => Promise<void>> = {
  sqlite: sqlite.restart,
  async redis() {
    await redis.stop();
    await pause(500);
    await redis.start();
  },
};

function memory(): NodeJS.MemoryUsage {
  globalThis.gc?.();
  return process.memoryUsage();
}

async function obey(request: SoakRequest): Promise<void> {
  if (request.command === 'restart') await restarts[request.lane]();
  if (request.command === 'close') {
    for (const app of Object.values(apps)) await app.close();
    await redis.destroy();
    await rm(dir, { recursive: true, force: true });
  }
  const reply: SoakReply = { id: request.id, memory: memory() };
  process.send?.(reply);
  // Nothing else is left open: the process exits on its own once the channel is gone.
  if (request.command === 'close') process.disconnect?.();
}

process.on('message', (message: SoakRequest) => {
  obey(message).catch((error: unknown) => {
    console.error('soak server:', error);
    process.exit(1);
  });
});
const ready: SoakReady = {
  ready: (Object.keys(apps) as SoakLaneName[]).map((name) => ({ name, url: apps[name].url })),
};
process.send?.(ready);
