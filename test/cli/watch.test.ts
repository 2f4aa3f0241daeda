/**
 * `coatcheck stats --watch` against a real SQLite file: samples keep coming every `--interval`,
 * each `--json` line is one parseable object whose count follows sessions written meanwhile and
 * whose `change` says by how much, and SIGINT (Ctrl-C) ends it with exit code 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sqliteStore } from '../../src/stores/sqlite.ts';
import { runCli } from './run-cli.ts';
import { seedLive } from './seed.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

interface Sample {
  seq: number;
  at: string;
  store: string;
  count: number;
  latency: { samples: number; medianMs: number };
  topUsers: { userId: string; sessions: number }[];
  change: { sessions: number | null; seconds: number | null; perMinute: number | null };
}

/** Starts the watch and hands out its stdout one line at a time. */
function startWatch(args: readonly string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'stats', '--watch', ...args], {
    env: { ...process.env, COATCHECK_STORE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffer = '';
  let stderr = '';
  const waiting: ((line: string) => void)[] = [];
  const lines: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let at = buffer.indexOf('\n'); at !== -1; at = buffer.indexOf('\n')) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      const next = waiting.shift();
      if (next) next(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return {
    child,
    exited,
    stderr: () => stderr,
    nextLine: (timeoutMs = 15_000) =>
      new Promise<string>((resolve, reject) => {
        const queued = lines.shift();
        if (queued !== undefined) return resolve(queued);
        const timer = setTimeout(
          () => reject(new Error(`no line within ${timeoutMs} ms: ${stderr}`)),
          timeoutMs,
        );
        waiting.push((line) => {
          clearTimeout(timer);
          resolve(line);
        });
      }),
  };
}

describe('coatcheck stats --watch on sqlite', () => {
  let dir: string;
  let url: string;
  let store: ReturnType<typeof sqliteStore>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'coatcheck-watch-'));
    const file = join(dir, 'sessions.db');
    url = `sqlite:${file}`;
    store = sqliteStore({ database: file, pruneIntervalMs: 0 });
    await store.migrate();
    await seedLive(store, ['alice', 'alice', null]);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('sqlite: --json prints one sample per interval that follows the store, and Ctrl-C exits 0', async () => {
    const watch = startWatch(['--store', url, '--json', '--interval', '0.3']);
    const first = JSON.parse(await watch.nextLine()) as Sample;
    assert.equal(first.seq, 1);
    assert.equal(first.store, 'sqlite');
    assert.equal(first.count, 3);
    assert.deepEqual(first.topUsers, [{ userId: 'alice', sessions: 2 }]);
    assert.equal(first.latency.samples, 5);
    assert.deepEqual(first.change, { sessions: null, seconds: null, perMinute: null });
    await seedLive(store, ['bob', 'bob', 'bob', 'bob']);
    // The next sample may have been taken before the write landed; the one after cannot have.
    let sample = JSON.parse(await watch.nextLine()) as Sample;
    let gained = sample.change.sessions ?? 0;
    if (sample.count !== 7) {
      sample = JSON.parse(await watch.nextLine()) as Sample;
      gained += sample.change.sessions ?? 0;
    }
    assert.equal(sample.count, 7);
    assert.equal(gained, 4);
    assert.ok((sample.change.seconds ?? 0) >= 0.25, `interval ${sample.change.seconds}`);
    assert.deepEqual(sample.topUsers[0], { userId: 'bob', sessions: 4 });
    assert.ok(Date.parse(sample.at) > Date.parse(first.at));
    watch.child.kill('SIGINT');
    assert.equal(await watch.exited, 0, watch.stderr());
  });

  test('sqlite: text mode appends a block per sample with the change line', async () => {
    const watch = startWatch(['--store', url, '--interval', '0.2']);
    const seen: string[] = [];
    while (seen.filter((line) => line.startsWith('change')).length < 2) seen.push(await watch.nextLine());
    watch.child.kill('SIGINT');
    assert.equal(await watch.exited, 0);
    assert.match(seen[0] ?? '', /^coatcheck stats --watch: sqlite, every 0\.2 s, .* \(Ctrl-C to stop\)$/);
    assert.ok(seen.includes('change     (first sample)'));
    assert.ok(
      seen.some((line) => /^change {5}\+?0 sessions in 0\.\d+ s/.test(line)),
      seen.join('\n'),
    );
    assert.ok(seen.some((line) => /^sessions {3}7 /.test(line)));
  });

  test('--watch and --interval are refused where they do not apply', async () => {
    const wrong = await runCli(['list', '--store', url, '--watch']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--watch only applies to stats/);
    const alone = await runCli(['stats', '--store', url, '--interval', '1']);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--interval only applies to stats --watch/);
    const zero = await runCli(['stats', '--store', url, '--watch', '--interval', '0']);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /--interval must be a number of seconds/);
  });
});
