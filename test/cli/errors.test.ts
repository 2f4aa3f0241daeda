/**
 * The CLI's error paths: a bad URL, an unreachable or silent store, bad usage. Each is one line on
 * stderr (a usage error adds the command's usage line and where to read more), never a stack
 * trace, with exit code 2 (1 when the store cannot do what was asked). And the help it gives.
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
  assert.doesNotMatch(run.stderr, /positional argument/, "never parseArgs' own message");
  assert.equal(
    run.stderr
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('Run `coatcheck') && !line.startsWith('Usage: coatcheck')).length,
    1,
    'one line',
  );
}

/** A usage error: exit 2, the message, then the usage line `usage` and where to read more. */
function assertUsageError(run: CliRun, message: RegExp, usage: string): void {
  assertCleanFailure(run, 2, message);
  const [first = '', second, third] = run.stderr.trimEnd().split('\n');
  assert.match(first, /^coatcheck: /);
  assert.equal(second, usage);
  assert.match(third ?? '', /^Run `coatcheck help( \w+)?` for /);
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

  test('bad usage exits 2 with the usage line of the command', async () => {
    const revokeUsage =
      'Usage: coatcheck revoke --store <url> (--user <id> | --session <key> | --all [--yes])';
    assertUsageError(
      await runCli(['stats']),
      /--store <url> is required/,
      'Usage: coatcheck stats --store <url> [--watch [--interval <s>]]',
    );
    assertUsageError(
      await runCli(['frobnicate', '--store', 'memory:']),
      /unknown command "frobnicate"; expected one of stats, list, revoke, purge, migrate, help/,
      'Usage: coatcheck <command> --store <url> [options]',
    );
    assertUsageError(
      await runCli(['revoke', '--store', 'memory:', '--user', 'a', '--session', 'b']),
      /exactly one of --user <id>, --session <key> or --all/,
      revokeUsage,
    );
    assertUsageError(
      await runCli(['revoke', '--store', 'memory:', '--all', '--user', 'a']),
      /exactly one of --user <id>, --session <key> or --all/,
      revokeUsage,
    );
    assertUsageError(
      await runCli(['revoke', '--store', 'memory:', '--user', 'a', '--yes']),
      /--yes only applies to revoke --all/,
      revokeUsage,
    );
    assertUsageError(
      await runCli(['stats', '--store', 'memory:', '--bogus']),
      /coatcheck: unknown option --bogus\n/,
      'Usage: coatcheck stats --store <url> [--watch [--interval <s>]]',
    );
    assertUsageError(
      await runCli(['stats', '--store', 'memory:', '--limit', '5']),
      /--limit only applies to list/,
      'Usage: coatcheck stats --store <url> [--watch [--interval <s>]]',
    );
    assertUsageError(
      await runCli(['list', '--store', 'memory:', 'extra']),
      /unexpected argument "extra"/,
      'Usage: coatcheck list --store <url> [--user <id>] [--limit <n>]',
    );
  });

  test('options with a missing or extra value exit 2 instead of swallowing the next option', async () => {
    const stats = 'Usage: coatcheck stats --store <url> [--watch [--interval <s>]]';
    assertUsageError(await runCli(['stats', '--store']), /--store needs a value: --store <url>/, stats);
    assertUsageError(await runCli(['stats', '--store', '--json']), /--store needs a value/, stats);
    assertUsageError(
      await runCli(['stats', '--store', 'memory:', '--json=yes']),
      /--json takes no value/,
      stats,
    );
    assertUsageError(
      await runCli(['list', '--store', 'memory:', '--limit', '1e3']),
      /--limit must be a positive integer, got "1e3"/,
      'Usage: coatcheck list --store <url> [--user <id>] [--limit <n>]',
    );
    const prefixed = await runCli(['stats', '--store', 'memory:', '--prefix=-x-', '--json']);
    assert.equal(prefixed.code, 0, `an inline value may start with a dash: ${prefixed.stderr}`);
    // A store key starts with "-" once in 64: one dash is a value, also written separately.
    const key = `-${'A'.repeat(42)}`;
    const dashed = await runCli(['revoke', '--store', 'memory:', '--session', key, '--json']);
    assert.equal(dashed.code, 0, `a key starting with one dash is a value: ${dashed.stderr}`);
    assert.deepEqual(JSON.parse(dashed.stdout), { revoked: 0, session: key });
    assertUsageError(
      await runCli(['revoke', '--store', 'memory:', '--session', '--AAAA']),
      /--session needs a value: --session <key> \(if "--AAAA" is the value, write --session=--AAAA\)/,
      'Usage: coatcheck revoke --store <url> (--user <id> | --session <key> | --all [--yes])',
    );
  });

  test('mistyped commands and options get a "did you mean"', async () => {
    const general = 'Usage: coatcheck <command> --store <url> [options]';
    assertUsageError(await runCli(['stts']), /unknown command "stts"; did you mean stats\?/, general);
    assertUsageError(await runCli(['lsit', '--store', 'memory:']), /did you mean list\?/, general);
    assertUsageError(await runCli(['REVOKE']), /did you mean revoke\?/, general);
    assertUsageError(
      await runCli(['list', '--store', 'memory:', '--usr', 'alice']),
      /unknown option --usr; did you mean --user\?/,
      'Usage: coatcheck list --store <url> [--user <id>] [--limit <n>]',
    );
    assertUsageError(
      await runCli(['purge', '--store', 'memory:', '--dryrun']),
      /unknown option --dryrun; did you mean --dry-run\?/,
      'Usage: coatcheck purge --store <url> [--dry-run]',
    );
    assertUsageError(
      await runCli(['--usr', 'alice', 'list']),
      /unknown option --usr; did you mean --user\?/,
      general,
    );
    assertUsageError(await runCli(['help', 'purg']), /unknown command "purg"; did you mean purge\?/, general);
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

  test('--help, help and no command print every command and option, exit 0', async () => {
    for (const args of [['--help'], ['-h'], ['help'], []]) {
      const run = await runCli(args);
      assert.equal(run.code, 0, args.join(' '));
      assert.match(run.stdout, /^Usage: coatcheck <command> --store <url>/);
      for (const command of ['stats', 'list', 'revoke', 'purge', 'migrate', 'help'])
        assert.match(run.stdout, new RegExp(`\\n  ${command} +\\S`), `${command} is listed`);
      assert.match(run.stdout, /--all +revoke: every session in the store/);
      assert.equal(run.stderr, '');
    }
  });

  test('help <command> and <command> --help print that command, with only its options', async () => {
    const help = await runCli(['help', 'revoke']);
    assert.equal(help.code, 0);
    assert.match(
      help.stdout,
      /^Usage: coatcheck revoke --store <url> \(--user <id> \| --session <key> \| --all \[--yes\]\)\n/,
    );
    assert.match(help.stdout, /asks for confirmation unless\s+--yes/);
    assert.match(help.stdout, /--yes +revoke --all: do not ask/);
    assert.doesNotMatch(help.stdout, /--dry-run|--limit/, 'options of other commands are left out');
    assert.equal((await runCli(['revoke', '--help'])).stdout, help.stdout);
    const purge = await runCli(['help', 'purge']);
    assert.match(purge.stdout, /^Usage: coatcheck purge --store <url> \[--dry-run\]\n/);
    assert.match(purge.stdout, /--dry-run/);
    assert.doesNotMatch(purge.stdout, /--session|--all/);
  });

  test('revoke --all on a store without scan refuses and says why (exit 1)', async (t) => {
    const skip = await serviceSkipReason('memcached');
    if (skip !== undefined) return t.skip(skip);
    assertCleanFailure(
      await runCli(['revoke', '--all', '--yes', '--store', serviceUrls.memcached], {}, 'yes\n'),
      1,
      /The "memcached" store cannot revoke every session \(it offers no scan to enumerate them; use --user <id>, or flush the server\)/,
    );
  });
});
