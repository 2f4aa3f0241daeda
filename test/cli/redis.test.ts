/**
 * Every CLI command against a real Redis server, under a key prefix unique to this run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { redisStore } from '../../src/stores/redis.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';
import { jsonOf, runCli } from './run-cli.ts';
import { seedLive } from './seed.ts';

const skip = await serviceSkipReason('redis');

describe('coatcheck CLI on redis', { skip }, () => {
  const url = serviceUrls.redis;
  const prefix = `${uniqueName('cli')}:`;
  const cli = (...args: string[]) => runCli([...args, '--store', url, '--prefix', prefix]);
  let client: Redis;
  let aliceKeys: string[];
  let bobKey: string;

  before(async () => {
    client = new Redis(url);
    const store = redisStore({ client, prefix });
    aliceKeys = await seedLive(store, ['alice', 'alice']);
    [bobKey = ''] = await seedLive(store, ['bob']);
    await seedLive(store, [null]);
  });

  after(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await client.quit();
  });

  test('redis: migrate has nothing to do', async () => {
    const run = await cli('migrate');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /nothing to migrate: the redis store keeps no schema/);
  });

  test('redis: stats counts sessions and ranks users', async () => {
    const run = await cli('stats', '--json');
    assert.equal(run.code, 0, run.stderr);
    const stats = jsonOf<{ count: number; expired: number; topUsers: unknown[] }>(run);
    assert.equal(stats.count, 4);
    assert.equal(stats.expired, 0);
    assert.deepEqual(stats.topUsers, [
      { userId: 'alice', sessions: 2 },
      { userId: 'bob', sessions: 1 },
    ]);
    assert.match((await cli('stats')).stdout, /expired\s+0 \(the backend deletes expired sessions itself\)/);
  });

  test('redis: list shows one user, or every live session', async () => {
    const alice = jsonOf<{ key: string; ip: string }[]>(await cli('list', '--user', 'alice', '--json'));
    assert.deepEqual(alice.map((r) => r.key).sort(), [...aliceKeys].sort());
    assert.equal(alice[0]?.ip, '10.0.0.7');
    const all = jsonOf<unknown[]>(await cli('list', '--json'));
    assert.equal(all.length, 4);
  });

  test('redis: revoke by session key and by user', async () => {
    assert.deepEqual(jsonOf(await cli('revoke', '--session', bobKey, '--json')), {
      revoked: 1,
      session: bobKey,
    });
    assert.equal(await client.exists(`${prefix}s:${bobKey}`), 0);
    const user = await cli('revoke', '--user', 'alice', '--json');
    assert.equal(user.code, 0, user.stderr);
    assert.deepEqual(jsonOf(user), { revoked: 2, user: 'alice' });
    assert.deepEqual(jsonOf(await cli('list', '--user', 'alice', '--json')), []);
  });

  test('redis: purge removes nothing live (Redis expires sessions itself)', async () => {
    assert.deepEqual(jsonOf(await cli('purge', '--dry-run', '--json')), { dryRun: true, expired: 0 });
    const run = await cli('purge');
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^purged 0 expired sessions in [\d.]+ s \(the backend deletes expired sessions itself\)\n$/,
    );
    assert.equal(
      jsonOf<{ count: number }>(await cli('stats', '--json')).count,
      1,
      'the anonymous session is still there',
    );
  });
});
