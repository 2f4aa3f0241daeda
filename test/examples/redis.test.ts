/**
 * examples/redis.ts as a user runs it: against the real Redis it counts visits (not /favicon.ico);
 * with Redis unreachable it stays up, answers 503, and logs the failure once instead of an
 * "Unhandled error event" per reconnection attempt.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceSkipReason, serviceUrls } from '../support/services.ts';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'redis.ts');

interface Running {
  readonly child: ChildProcess;
  readonly base: string;
  stderr(): string;
}

/** Starts the example on a free port and resolves once it listens. */
function start(redisUrl: string): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', EXAMPLE], {
    env: { ...process.env, REDIS_URL: redisUrl, PORT: '0', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const port = /listening on http:\/\/localhost:(\d+)/.exec(chunk)?.[1];
      if (port !== undefined) resolve({ child, base: `http://127.0.0.1:${port}`, stderr: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`the example exited with ${code}: ${stderr}`)));
  });
}

describe('examples/redis.ts', () => {
  const running: Running[] = [];
  after(() => {
    for (const { child } of running) child.kill();
  });

  test('counts visits in Redis, and /favicon.ico is not one', async (t) => {
    const skip = await serviceSkipReason('redis');
    if (skip !== undefined) return t.skip(skip);
    const app = await start(serviceUrls.redis);
    running.push(app);
    const first = await fetch(app.base);
    assert.match(await first.text(), /visited 1 time in this session/);
    const cookie = first.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    const favicon = await fetch(`${app.base}/favicon.ico`, { headers: { cookie } });
    assert.equal(favicon.status, 404);
    await favicon.arrayBuffer();
    assert.match(await (await fetch(app.base, { headers: { cookie } })).text(), /visited 2 times/);
  });

  test('with Redis unreachable it stays up, answers 503 and logs the failure once', async () => {
    const app = await start('redis://127.0.0.1:1');
    running.push(app);
    const response = await fetch(app.base);
    assert.equal(response.status, 503);
    await response.arrayBuffer();
    await sleep(1500); // several reconnection attempts
    assert.equal(app.child.exitCode, null, 'still running');
    assert.doesNotMatch(app.stderr(), /Unhandled error event/);
    const lines = app.stderr().trim().split('\n');
    assert.equal(lines.length, 1, `one line per distinct failure:\n${app.stderr()}`);
    assert.match(lines[0] ?? '', /^redis: connect ECONNREFUSED 127\.0\.0\.1:1 \(requests answer 503/);
  });
});
