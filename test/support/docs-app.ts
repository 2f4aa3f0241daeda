/**
 * Runs an app that a docs page shows as a ```ts block, as a user would: written to a fresh
 * directory under test-output/ (ignored by git, so its own imports resolve from the repository's
 * node_modules, as in an app), its `coatcheck` imports pointed at src/, started as a child process
 * on a free port, visited twice with the cookie it set.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The first ```ts block after `heading` in docs/stores/`doc`, its coatcheck imports pointed at src/. */
export function block(doc: string, heading: string): string {
  const text = readFileSync(join(root, 'docs', 'stores', doc), 'utf8');
  const at = text.indexOf(`\n${heading}\n`);
  assert.ok(at !== -1, `${doc} has a section ${heading}`);
  const match = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
  assert.ok(match?.[1], `${doc} has a ts block under ${heading}`);
  return match[1]
    .replace(/from 'coatcheck'/g, `from '${join(root, 'src', 'index.ts')}'`)
    .replace(/from 'coatcheck\/node'/g, `from '${join(root, 'src', 'adapters', 'node.ts')}'`)
    .replace(
      /from 'coatcheck\/stores\/([\w/-]+)'/g,
      (_, store: string) => `from '${join(root, 'src', 'stores', `${store}.ts`)}'`,
    );
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Fresh directories for example apps, and the function that removes them (call it in `after`). */
export function exampleDirs(prefix: string): { fresh(): string; cleanup(): void } {
  const dirs: string[] = [];
  return {
    fresh() {
      mkdirSync(join(root, 'test-output'), { recursive: true });
      const dir = mkdtempSync(join(root, 'test-output', prefix));
      dirs.push(dir);
      return dir;
    },
    cleanup() {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts `app.ts` in `dir` (with `env` added), visits twice with the cookie it set, and stops it. */
export async function visitsTwice(dir: string, env: Record<string, string> = {}): Promise<string[]> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(dir, 'app.ts')], {
    cwd: dir,
    env: { ...process.env, ...env, PORT: String(port), NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk;
        if (output.includes('listening')) resolve();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk;
      });
      child.once('exit', (code) => reject(new Error(`the example exited (${code}): ${output}`)));
    });
    const first = await fetch(`http://127.0.0.1:${port}/`);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';', 1)[0] ?? '';
    const second = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie } });
    return [await first.text(), await second.text()];
  } finally {
    child.kill();
  }
}
