/**
 * The two kinds of child process: a variant's server pinned to CPU 0 and an autocannon run pinned
 * to CPU 1, both `node --import tsx`. Pinning uses `taskset` when present and two CPUs exist.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** True when server and load generator each get their own CPU. */
export const pinned = (() => {
  if (availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
})();

/**
 * The command running `script` (relative to bench/http/, or absolute) under `node --import tsx`
 * pinned to `cpu`, with `nodeFlags` (V8 flags, say) before the script.
 */
export function nodeCommand(
  cpu: number,
  script: string,
  args: readonly string[],
  nodeFlags: readonly string[] = [],
): [string, string[]] {
  const node = [
    process.execPath,
    ...nodeFlags,
    '--import',
    'tsx',
    script.startsWith('/') ? script : `${here}${script}`,
    ...args,
  ];
  return pinned ? ['taskset', ['-c', String(cpu), ...node]] : [node[0]!, node.slice(1)];
}

/** What a server child reported when it started. */
export type ServerStart =
  | { readonly type: 'ready'; readonly port: number; readonly pid: number }
  | { readonly type: 'unavailable' | 'failed'; readonly reason: string };

/** A running server child and its IPC conversation. */
export interface ServerChild {
  readonly start: ServerStart;
  ask(type: 'reset' | 'counts'): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/**
 * Starts the server of variant `id` on CPU 0 and waits for its first report (30 s at most).
 * `serverScript` is another checkout's `bench/http/server.ts` (an absolute path) when comparing builds.
 * `wrap` runs node under another program (valgrind, for bench/instructions), pinned as node would be.
 */
export async function startServer(
  id: string,
  context: object,
  extraNodeArgs: readonly string[] = [],
  serverScript = 'server.ts',
  wrap: readonly string[] = [],
): Promise<ServerChild> {
  const [first, rest] = nodeCommand(0, serverScript, [id]);
  // The wrapper goes right before node: after taskset's `-c 0` when pinned, else first.
  const [command, args]: [string, string[]] =
    wrap.length === 0
      ? [first, rest]
      : pinned
        ? [first, [...rest.slice(0, 2), ...wrap, ...rest.slice(2)]]
        : [wrap[0]!, [...wrap.slice(1), first, ...rest]];
  // Node's own flags go right after node's path.
  const nodeAt = args.indexOf(process.execPath) + 1;
  const nodeArgs = [...args.slice(0, nodeAt), ...extraNodeArgs, ...args.slice(nodeAt)];
  const child: ChildProcess = spawn(command, nodeArgs, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Express's own default when NODE_ENV is unset; it also keeps coatcheck's plain-http cookie warning quiet.
    env: { ...process.env, NODE_ENV: 'development', BENCH_CONTEXT: JSON.stringify(context) },
  });
  const start = await new Promise<ServerStart>((resolve) => {
    const timer = setTimeout(() => resolve({ type: 'failed', reason: 'no answer within 30 s' }), 30_000);
    child.once('message', (message: ServerStart) => {
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ type: 'failed', reason: `server exited with code ${code}` });
    });
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    start,
    ask: (type) =>
      new Promise((resolve) => {
        child.once('message', (message: { counts?: Record<string, number> }) =>
          resolve(message.counts ?? {}),
        );
        child.send({ type });
      }),
    close: async () => {
      if (child.exitCode === null && child.connected) child.send({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Result of one autocannon run. */
export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** The slowest request of the run (ms). */
  readonly max: number;
  readonly total: number;
  readonly errors: number;
  readonly non2xx: number;
}

/** Runs autocannon on CPU 1 against `url` for `duration` seconds. */
export function runLoad(options: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
}): Promise<LoadResult> {
  const [command, args] = nodeCommand(1, 'load.ts', [JSON.stringify(options)]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as LoadResult);
      else reject(new Error(`autocannon exited with ${code}: ${out}`));
    });
  });
}
