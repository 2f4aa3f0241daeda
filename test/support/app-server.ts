/**
 * A framework's own server (`next start`, `vite preview`) as a child process on a free loopback
 * port, for the sample-app suites: started, awaited until it answers HTTP, stopped by its pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';

/** A port the kernel just handed out on 127.0.0.1 (free when this returns). */
export async function freePort(): Promise<number> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as AddressInfo;
  await new Promise<void>((resolve) => holder.close(() => resolve()));
  return port;
}

/** A running server process and the output it wrote (for failure messages). */
export interface AppServer {
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs `node <args>` in `cwd` and waits until `url` answers any HTTP status.
 * @throws Error with the process's output when it exits or does not answer within `timeoutMs`.
 */
export async function startAppServer(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; url: string; timeoutMs?: number },
): Promise<AppServer> {
  const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: 'pipe' });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk));
  const server: AppServer = { url: options.url, output: () => log, stop: () => stop(child) };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${log}`);
    try {
      await fetch(options.url, { redirect: 'manual' });
      return server;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  await server.stop();
  throw new Error(`server did not answer ${options.url}:\n${log}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Runs `node <args>` in `cwd` to completion. @throws Error with its output when it fails. */
export async function runNode(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, args, { cwd, env, stdio: 'pipe' });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}:\n${log}`);
  return log;
}
