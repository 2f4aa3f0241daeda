/**
 * The README's first example (node:http) runs as written, with its `coatcheck` imports pointed at
 * the source and port 3000 replaced by a free one: a visit counts, a login answers, and the
 * browser's /favicon.ico request is not counted as a visit.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The first ```ts block after `## Example (node:http)`. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Example (node:http)'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match?.[1], 'the README has a node:http example');
  return match[1];
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('the README example (node:http)', () => {
  let dir: string;
  let child: ChildProcess;
  let base: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coatcheck-readme-'));
    const port = await freePort();
    const source = readmeExample()
      .replace(/from 'coatcheck'/g, `from '${join(root, 'src', 'index.ts')}'`)
      .replace(/from 'coatcheck\/node'/g, `from '${join(root, 'src', 'adapters', 'node.ts')}'`)
      .replace(
        /from 'coatcheck\/stores\/(\w+)'/g,
        (_, store: string) => `from '${join(root, 'src', 'stores', `${store}.ts`)}'`,
      )
      .replace('.listen(3000)', `.listen(${port}, () => console.log('ready'))`);
    assert.doesNotMatch(source, /from 'coatcheck/, 'every coatcheck import was pointed at the source');
    writeFileSync(join(dir, 'example.ts'), source);
    child = spawn(process.execPath, ['--import', 'tsx', join(dir, 'example.ts')], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the example exited with ${code}`)));
    });
    base = `http://127.0.0.1:${port}`;
  });

  after(() => {
    child?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('counts visits to /, but not the browser asking for /favicon.ico', async () => {
    const first = await fetch(`${base}/`);
    assert.equal(await first.text(), 'visit 1\n');
    const cookie = first.headers.getSetCookie()[0]?.split(';')[0];
    assert.ok(cookie, 'the first visit sets the session cookie');
    const favicon = await fetch(`${base}/favicon.ico`, { headers: { cookie } });
    assert.equal(favicon.status, 404);
    await favicon.arrayBuffer();
    const second = await fetch(`${base}/`, { headers: { cookie } });
    assert.equal(await second.text(), 'visit 2\n', 'the favicon request was not a visit');
    const login = await fetch(`${base}/login`, { method: 'POST', headers: { cookie } });
    assert.equal(await login.text(), 'welcome\n');
  });
});
