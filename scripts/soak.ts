/**
 * Soak test (`npm run soak`, not part of `npm test`): mixed traffic against the SQLite and Redis
 * stores for SOAK_SECONDS (default 600) while the stores are restarted every SOAK_RESTART_SECONDS
 * (default 30): the private redis-server is SIGKILLed and started again (append-only file with an
 * fsync per write, so it loses nothing it acknowledged); the SQLite store is closed and reopened
 * on the same file. Prints requests served, 503s, lost writes (must be 0) and memory growth, and
 * exits 1 when a write was lost or a user saw something they never should.
 *
 * The apps and stores run in a child process (test/support/soak-server.ts) that reports its own
 * memory, so a leak in the server is told apart from the clients' growing record of acknowledged
 * keys, reported separately for this process.
 *
 * Environment: SOAK_SECONDS, SOAK_RESTART_SECONDS, SOAK_CLIENTS (default 40 per store).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type LoadClient,
  type LoadStats,
  newClients,
  newStats,
  step,
  verifyAll,
} from '../test/support/fault-load.ts';
import type { SoakLaneName, SoakReady, SoakReply, SoakRequest } from '../test/support/soak-server.ts';

const seconds = Number(process.env.SOAK_SECONDS ?? 600);
const restartEvery = Number(process.env.SOAK_RESTART_SECONDS ?? 30) * 1000;
const clientCount = Number(process.env.SOAK_CLIENTS ?? 40);
/** A client starts a new session after this many acknowledged keys, so sessions stay small. */
const KEYS_PER_SESSION = 60;

/** The server process and its request/reply channel. */
class Server {
  #next = 0;
  readonly #waiting = new Map<number, (reply: SoakReply) => void>();
  private constructor(
    readonly child: ChildProcess,
    readonly lanes: SoakReady['ready'],
  ) {
    child.on('message', (reply: SoakReply) => {
      this.#waiting.get(reply.id)?.(reply);
      this.#waiting.delete(reply.id);
    });
  }

  static async start(): Promise<Server> {
    const child = fork(fileURLToPath(new URL('../test/support/soak-server.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
    });
    child.once('exit', (code, signal) => {
      if (code !== 0 || signal !== null) {
        console.error(`soak: the server process died (code ${code}, signal ${signal})`);
        process.exit(1);
      }
    });
    const ready = await new Promise<SoakReady>((resolve) =>
      child.once('message', (message: SoakReady) => resolve(message)),
    );
    return new Server(child, ready.ready);
  }

  /** Sends a command and resolves with the server's reply (its memory after the command). */
  ask(
    request: { command: 'restart'; lane: SoakLaneName } | { command: 'memory' | 'close' },
  ): Promise<SoakReply> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.child.send({ id, ...request } satisfies SoakRequest);
    });
  }
}

interface Lane {
  readonly name: SoakLaneName;
  readonly stats: LoadStats;
  readonly clients: LoadClient[];
  restarts: number;
}

async function drive(server: Server, lane: Lane, deadline: number): Promise<void> {
  const restarts = (async () => {
    while (Date.now() + restartEvery < deadline) {
      await new Promise((resolve) => setTimeout(resolve, restartEvery));
      await server.ask({ command: 'restart', lane: lane.name });
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

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const server = await Server.start();
const lanes: Lane[] = server.lanes.map(({ name, url }) => ({
  name,
  stats: newStats(),
  clients: newClients(clientCount, url, `${name}-`),
  restarts: 0,
}));

const serverAtStart = (await server.ask({ command: 'memory' })).memory;
const clientsAtStart = process.memoryUsage();
const started = Date.now();
console.log(`soak: ${seconds}s, restart every ${restartEvery / 1000}s, ${clientCount} clients per store`);
const ticker = setInterval(async () => {
  const { memory } = await server.ask({ command: 'memory' });
  const line = lanes.map((l) => `${l.name} ${l.stats.served} ok / ${l.stats.unavailable} 503`).join(', ');
  console.log(
    `  ${Math.round((Date.now() - started) / 1000)}s: ${line}; server rss ${mb(memory.rss)}, heap ${mb(memory.heapUsed)}`,
  );
}, 30_000);
await Promise.all(lanes.map((l) => drive(server, l, started + seconds * 1000)));
clearInterval(ticker);
for (const l of lanes) await verifyAll(l.clients, l.stats);
const serverAtEnd = (await server.ask({ command: 'memory' })).memory;
const clientsAtEnd = process.memoryUsage();

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
const figures = (label: string, start: NodeJS.MemoryUsage, end: NodeJS.MemoryUsage) =>
  `${label}: rss ${mb(start.rss)} → ${mb(end.rss)}, heap ${mb(start.heapUsed)} → ${mb(end.heapUsed)}`;
console.log(figures('server memory (apps and stores, after GC)', serverAtStart, serverAtEnd));
console.log(figures('client memory (load clients and their records)', clientsAtStart, clientsAtEnd));
const exited = new Promise((resolve) => server.child.once('exit', resolve));
await server.ask({ command: 'close' });
await exited;
console.log(failed ? 'soak FAILED' : 'soak passed');
process.exitCode = failed ? 1 : 0;
