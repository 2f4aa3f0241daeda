/**
 * Runs the `coatcheck` CLI as a child process (through tsx, as in development) and captures its
 * output and exit code; `input` is piped to its stdin (else stdin is empty, as under cron).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

/** What one CLI run produced. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `coatcheck <args>`; never rejects on a non-zero exit. */
export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  input?: string,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      env: { ...process.env, COATCHECK_STORE: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.on('error', () => {}); // the CLI may exit without reading its input
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parses the JSON a `--json` run printed on stdout. */
export function jsonOf<T = Record<string, unknown>>(run: CliRun): T {
  return JSON.parse(run.stdout) as T;
}
