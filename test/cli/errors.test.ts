/**
 * The CLI's error paths: a bad URL, an unreachable or silent store, bad usage. Each is one line on
 * stderr, never a stack trace, with exit code 2 (1 when the store cannot do what was asked).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serviceSkipReason, serviceUrls } from '../support/services.ts';
import { type CliRun, runCli } from './run-cli.ts';

function assertCleanFailure(run: CliRun, code: number, message: RegExp): void {
  assert.equal(run.code, code, `exit code (stderr: ${run.stderr})`);
  assert.match(run.stderr, message);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(
    run.stderr
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('Run `coatcheck')).length,
    1,
    'one line',
  );
}

describe('coatcheck CLI errors', () => {
  let dir: string;
  let silent: Server;
  const sockets = new Set<Socket>();
  let silentPort = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coatcheck-cli-errors-'));
    // Accepts connections and never answers: a hung store.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  test('an unknown scheme exits 2 and lists the supported URLs', async () => {
    assertCleanFailure(
      await runCli(['stats', '--store', 'bogus://x']),
      2,
      /unknown scheme "bogus".*redis:\/\//,
    );
  });

  test('a URL that is not a URL exits 2', async () => {
    assertCleanFailure(await runCli(['list', '--store', 'redis://']), 2, /coatcheck: storeFromUrl/);
  });

  test('an unreachable redis exits 2', async () => {
    assertCleanFailure(
      await runCli(['stats', '--store', 'redis://127.0.0.1:1']),
      2,
      /Cannot reach the redis server at 127\.0\.0\.1:1: ECONNREFUSED/,
    );
  });

  test('an unreachable postgres exits 2', async () => {
    assertCleanFailure(
      await runCli(['purge', '--store', 'postgres://postgres@127.0.0.1:1/test']),
      2,
      /Cannot reach the postgres server/,
    );
  });

  test('a store that accepts connections but never answers exits 2 after --timeout', async () => {
    const run = await runCli(['stats', '--store', `redis://127.0.0.1:${silentPort}`, '--timeout', '300']);
    assertCleanFailure(run, 2, /did not answer `get` within 300 ms/);
  });

  test('a missing SQLite file exits 2 instead of creating an empty database', async () => {
    const run = await runCli(['stats', '--store', `sqlite:${join(dir, 'typo.db')}`]);
    assertCleanFailure(run, 2, /No SQLite database at .*typo\.db/);
  });

  test('--json errors are JSON on stdout too', async () => {
    const run = await runCli(['stats', '--store', 'redis://127.0.0.1:1', '--json']);
    assert.equal(run.code, 2);
    const body = JSON.parse(run.stdout) as { error: string; code: string };
    assert.equal(body.code, 'COATCHECK_STORE_UNAVAILABLE');
    assert.match(body.error, /Cannot reach/);
  });

  test('bad usage exits 2 with a hint', async () => {
    assertCleanFailure(await runCli(['stats']), 2, /--store <url> is required/);
    assertCleanFailure(await runCli(['frobnicate', '--store', 'memory:']), 2, /unknown command "frobnicate"/);
    assertCleanFailure(
      await runCli(['revoke', '--store', 'memory:', '--user', 'a', '--session', 'b']),
      2,
      /exactly one of --user <id> or --session <key>/,
    );
    assertCleanFailure(
      await runCli(['stats', '--store', 'memory:', '--bogus']),
      2,
      /Unknown option '--bogus'/,
    );
  });

  test('--store falls back to COATCHECK_STORE', async () => {
    const run = await runCli(['stats', '--json'], { COATCHECK_STORE: 'memory:' });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { store: string }).store, 'memory');
  });

  test('asking a store for what it cannot do exits 1 (memcached offers no scan)', async (t) => {
    const skip = await serviceSkipReason('memcached');
    if (skip !== undefined) return t.skip(skip);
    const store = ['--store', serviceUrls.memcached];
    assertCleanFailure(
      await runCli(['list', ...store]),
      1,
      /cannot list every session \(it offers no scan; use --user <id>\)/,
    );
    const stats = await runCli(['stats', ...store]);
    assert.equal(stats.code, 0, stats.stderr);
    assert.match(stats.stdout, /top users\s+n\/a \(this store cannot be enumerated: it offers no scan\)/);
    assert.match(stats.stdout, /expired\s+0 \(the backend deletes expired sessions itself\)/);
  });

  test('a memory store can be enumerated (it offers scan)', async () => {
    const run = await runCli(['list', '--store', 'memory:']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'no live sessions\n');
  });

  test('--help prints the usage and exits 0', async () => {
    const run = await runCli(['--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: coatcheck <command> --store <url>/);
  });
});
