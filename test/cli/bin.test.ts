/**
 * `npx coatcheck` in a checkout right after `npm ci`: the bin shim runs the source through tsx, so
 * no build is needed and a stale dist/ is never run. (The installed package runs dist/: see
 * test/package/tarball.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');

function run(command: string, args: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout }));
  });
}

describe('the coatcheck bin in the checkout', () => {
  test('npx coatcheck runs the CLI from source', async () => {
    const help = await run('npx', ['--offline', 'coatcheck', 'help', 'revoke']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: coatcheck revoke --store <url>/);
  });

  test('bin/coatcheck.js runs a command against a store', async () => {
    const stats = await run(process.execPath, [
      join(root, 'bin', 'coatcheck.js'),
      'stats',
      '--store',
      'memory:',
      '--json',
    ]);
    assert.equal(stats.code, 0);
    assert.equal((JSON.parse(stats.stdout) as { store: string }).store, 'memory');
  });
});
