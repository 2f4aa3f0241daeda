/**
 * Private servers for fault tests: a redis-server, a PostgreSQL cluster and a memcached, each on a
 * spare loopback port in a temp directory, started, killed and restarted by the test that owns
 * them. The shared servers other suites use are never touched.
 *
 * A missing binary is a skip reason (or an error with COATCHECK_REQUIRE_SERVICES=1), as with
 * `serviceSkipReason`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canConnect, servicesRequired } from './services.ts';

const run = promisify(execFile);

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/** Waits until host:port accepts TCP connections (or `up` is false: until it refuses them). */
export async function waitForPort(port: number, up = true, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await canConnect('127.0.0.1', port, 300)) === up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`port ${port} did not become ${up ? 'reachable' : 'unreachable'} in ${timeoutMs} ms`);
}

/** A skip reason when `binary` is missing, or throws when services are required. */
export function binarySkipReason(binary: string | undefined, what: string): string | undefined {
  if (binary !== undefined && existsSync(binary)) return undefined;
  const message = `${what} binary not found (${binary ?? 'no candidate'})`;
  if (servicesRequired) throw new Error(`${message} and COATCHECK_REQUIRE_SERVICES=1 is set`);
  console.log(`# SKIP ${what} fault suites: ${message}`);
  return message;
}

/** A private server the test can stop (crash) and start again on the same port. */
export interface PrivateServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server: SIGKILL (redis, memcached) or `pg_ctl stop -m immediate` (postgres). */
  stop(): Promise<void>;
  /** Starts it again on the same port, with whatever data survived the stop. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

class ChildServer implements PrivateServer {
  #child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    readonly url: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly directory: string | undefined,
  ) {}

  async start(): Promise<void> {
    if (this.#child !== undefined) return;
    const child = spawn(this.command, this.args, { stdio: 'ignore', cwd: this.directory ?? tmpdir() });
    this.#child = child;
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
    await waitForPort(this.port);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await waitForPort(this.port, false);
  }

  async destroy(): Promise<void> {
    await this.stop();
    if (this.directory !== undefined) await rm(this.directory, { recursive: true, force: true });
  }
}

export const redisBinary = '/usr/bin/redis-server';

/**
 * Starts a private redis-server. `durable` turns on the append-only file with an fsync per write, so
 * a SIGKILL loses nothing the server acknowledged (needed to check acknowledged writes survive a
 * crash); without it, nothing is persisted, as the task's default `--save '' --appendonly no`.
 */
export async function startRedis(options: { durable?: boolean } = {}): Promise<PrivateServer> {
  const port = await freePort();
  const directory = await mkdtemp(join(tmpdir(), 'cc-fault-redis-'));
  const persistence = options.durable
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', directory]
    : ['--appendonly', 'no', '--dir', directory];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence];
  const server = new ChildServer(port, `redis://127.0.0.1:${port}`, redisBinary, args, directory);
  await server.start();
  return server;
}

export const memcachedBinary = '/usr/bin/memcached';

/** Starts a private memcached (its data never survives a stop). */
export async function startMemcached(): Promise<PrivateServer> {
  const port = await freePort();
  const args = ['-p', String(port), '-l', '127.0.0.1', '-U', '0', '-u', 'nobody', '-m', '64'];
  const server = new ChildServer(port, `memcached://127.0.0.1:${port}`, memcachedBinary, args, undefined);
  await server.start();
  return server;
}

/** The newest installed PostgreSQL's bin directory, if any. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/**
 * Starts a private PostgreSQL cluster (trust auth, user `postgres`, database `postgres`) in a temp
 * directory, run as the `postgres` OS user because initdb refuses root. `stop()` is an immediate
 * shutdown, i.e. a crash: the next start replays the WAL, so committed transactions survive.
 */
export async function startPostgres(): Promise<PrivateServer> {
  const bin = postgresBin();
  if (bin === undefined) throw new Error('no PostgreSQL installation under /usr/lib/postgresql');
  const port = await freePort();
  const directory = await mkdtemp(join(tmpdir(), 'cc-fault-pg-'));
  const data = join(directory, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(directory, Number(stdout.trim()), Number(gid.trim()));
  }
  const as = (command: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args);
  await as(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const ctl = (args: string[]) => as(join(bin, 'pg_ctl'), ['-D', data, ...args]);
  const opts = `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const server: PrivateServer = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await ctl(['-o', opts, '-l', join(directory, 'log'), '-w', 'start']);
      await waitForPort(port);
    },
    async stop() {
      await ctl(['-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await waitForPort(port, false);
    },
    async destroy() {
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
