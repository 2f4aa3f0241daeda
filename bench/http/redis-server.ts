/**
 * The bench's own Redis: a redis-server started on a spare loopback port (default 6390,
 * BENCH_REDIS_PORT) with no persistence, so nothing else talking to Redis pollutes the counts.
 * Round trips are counted on the server: `total_reads_processed` (one socket read per request the
 * store sends, a pipeline or MULTI/EXEC included) and per-command `INFO commandstats` deltas.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createClient } from 'redis';

/** What the server saw since the last reset. */
export interface RedisCounts {
  /** Socket reads (round trips), our own INFO excluded. */
  readonly reads: number;
  /** Calls per command name, our own CONFIG/INFO excluded. */
  readonly commands: Record<string, number>;
}

export interface BenchRedis {
  readonly url: string;
  /** Zeroes the server's statistics (CONFIG RESETSTAT). */
  reset(): Promise<void>;
  counts(): Promise<RedisCounts>;
  stop(): Promise<void>;
}

async function connect(url: string) {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 1000 } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Starts redis-server (or reuses one already answering on the port). Rejects when neither works. */
export async function startRedis(port: number): Promise<BenchRedis> {
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let client: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    client = await connect(url);
  } catch {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const spawned = child;
    await new Promise<void>((resolve, reject) => {
      spawned.once('error', reject);
      setTimeout(resolve, 300);
    });
    for (let attempt = 0; client === undefined; attempt++) {
      try {
        client = await connect(url);
      } catch (error) {
        if (attempt > 20) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  const info = client;
  return {
    url,
    reset: async () => {
      await info.sendCommand(['CONFIG', 'RESETSTAT']);
    },
    counts: async () => {
      const text = String(await info.sendCommand(['INFO', 'stats', 'commandstats']));
      const reads = Number(/total_reads_processed:(\d+)/.exec(text)?.[1] ?? 0) - 1;
      const commands: Record<string, number> = {};
      for (const match of text.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) {
        const name = match[1] ?? '';
        if (name === 'info' || name.startsWith('config')) continue;
        commands[name] = Number(match[2]);
      }
      return { reads, commands };
    },
    stop: async () => {
      await info.quit().catch(() => {});
      child?.kill('SIGTERM');
    },
  };
}
