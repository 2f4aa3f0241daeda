/**
 * Starting each runtime's server as a child process of this test and stopping it again: Bun and
 * Deno run the app from the installed package, the edge runtime runs its bundle, and workerd runs
 * through miniflare (which starts workerd as its child). Each resolves to the base URL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { Miniflare } from 'miniflare';
import { REPO } from './package-fixture.ts';

/** A started server: its base URL, what it printed, and how to stop it. */
export interface RunningServer {
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

export const BIN = {
  bun: join(REPO, 'node_modules/.bin/bun'),
  deno: join(REPO, 'node_modules/.bin/deno'),
  edgeRuntime: join(REPO, 'node_modules/edge-runtime/dist/cli/index.js'),
};

/** Runs `command` until it prints a line matching `ready`; resolves with the URL built from it. */
function startChild(
  command: string,
  args: readonly string[],
  cwd: string,
  ready: RegExp,
  toUrl: (match: RegExpMatchArray) => string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningServer> {
  const child: ChildProcess = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${command} did not start within 30 s:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = output.match(ready);
      if (match === null) return;
      clearTimeout(timer);
      resolve({ url: toUrl(match), output: () => output, stop });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

/** Bun.serve, from the installed package. */
export const startBun = (dir: string) =>
  startChild(
    BIN.bun,
    ['apps/serve-bun.js'],
    dir,
    /listening (\d+)/,
    (m) => `http://127.0.0.1:${m[1]}`,
    envWithout('NODE_ENV'),
  );

/** The environment without NODE_ENV, so "no permission" and "not set" cannot be confused. */
export function envWithout(name: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env[name];
  return env;
}

/** Deno.serve, from the installed package, with network access to loopback only: no env, no read. */
export const startDeno = (dir: string) =>
  startChild(
    BIN.deno,
    ['run', '--no-prompt', '--allow-net=127.0.0.1', 'apps/serve-deno.js'],
    dir,
    /listening (\d+)/,
    (m) => `http://127.0.0.1:${m[1]}`,
    { ...process.env, NODE_ENV: 'development' },
  );

/** The edge runtime's own server, on a port the system picks. */
export const startEdgeRuntime = (dir: string, bundle: string) =>
  startChild(
    process.execPath,
    [BIN.edgeRuntime, '--listen', bundle, '--port', '0'],
    dir,
    /(http:\/\/[\d.]+:\d+)/,
    (m) => m[1]!,
    envWithout('NODE_ENV'),
  );

/** workerd through miniflare, with no compatibility flags (so no `nodejs_compat`). */
export async function startWorkerd(bundle: string): Promise<RunningServer> {
  const mf = new Miniflare({
    modules: true,
    scriptPath: bundle,
    // workerd names modules relative to this root and refuses paths that leave it.
    modulesRoot: dirname(bundle),
    compatibilityDate: '2026-04-01',
    compatibilityFlags: [],
    // No request.cf: miniflare would otherwise try to fetch it from Cloudflare.
    cf: false,
    host: '127.0.0.1',
    port: 0,
  });
  try {
    const url = await mf.ready;
    return { url: url.origin, output: () => '', stop: () => mf.dispose() };
  } catch (error) {
    await mf.dispose();
    throw error;
  }
}
