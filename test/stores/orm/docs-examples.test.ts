/**
 * The runnable examples of docs/stores/kysely.md and docs/stores/drizzle.md run as written, with
 * their `coatcheck` imports pointed at the source: in a fresh directory (for Drizzle after
 * `drizzle-kit generate` on the page's schema file), two visits with the cookie count 1 and 2.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

/** The first ```ts block after `heading` in `doc`, its coatcheck imports pointed at src/. */
function block(doc: string, heading: string): string {
  const text = readFileSync(join(root, 'docs', 'stores', doc), 'utf8');
  const match = /```ts\n([\s\S]*?)```/.exec(text.slice(text.indexOf(`\n${heading}\n`)));
  assert.ok(match?.[1], `${doc} has a ts block under ${heading}`);
  return match[1]
    .replace(/from 'coatcheck'/g, `from '${join(root, 'src', 'index.ts')}'`)
    .replace(/from 'coatcheck\/node'/g, `from '${join(root, 'src', 'adapters', 'node.ts')}'`)
    .replace(
      /from 'coatcheck\/stores\/([\w/]+)'/g,
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

/** Starts `app.ts` in `dir`, visits twice with the cookie it set, and stops it. */
async function visitsTwice(dir: string): Promise<string[]> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(dir, 'app.ts')], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), NODE_ENV: 'development' },
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

describe('the ORM stores docs examples', () => {
  const dirs: string[] = [];
  const fresh = () => {
    // Under test-output/ (ignored by git), so the example's own imports (kysely, drizzle-orm,
    // better-sqlite3, tsx) resolve from the repository's node_modules, as in an app.
    mkdirSync(join(root, 'test-output'), { recursive: true });
    const dir = mkdtempSync(join(root, 'test-output', 'orm-docs-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('kysely: the migrator creates the table and the app counts visits', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'app.ts'), block('kysely.md', '## Runnable example'));
    assert.deepStrictEqual(await visitsTwice(dir), ['visit 1\n', 'visit 2\n']);
  });

  it('drizzle: drizzle-kit generates the migration from the schema, the app migrates and counts visits', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'schema.ts'), block('drizzle.md', '## Schema'));
    writeFileSync(join(dir, 'app.ts'), block('drizzle.md', '## Runnable example'));
    await run(
      join(root, 'node_modules', '.bin', 'drizzle-kit'),
      ['generate', '--dialect=sqlite', '--schema=./schema.ts'],
      {
        cwd: dir,
      },
    );
    assert.deepStrictEqual(await visitsTwice(dir), ['visit 1\n', 'visit 2\n']);
  });
});
