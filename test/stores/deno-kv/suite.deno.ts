/**
 * Run by Deno (bundled by ../deno-kv.test.ts): the conformance suite and the store's specifics on
 * Deno's own KV (`Deno.openKv(':memory:')`, its SQLite backend), with the bundled `node:test`
 * stand-in, whose `run()` reports counts; prints them as JSON, then the summary line.
 */
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../../src/core/errors.ts';
import { type DenoKv, denoKvStore } from '../../../src/stores/deno-kv.ts';
import { describeStoreConformance } from '../../../src/testing/conformance.ts';
import { rotationOf } from '../../../src/testing/conformance-rotation.ts';
import { randomKey, randomUserId, sampleRecord } from '../../../src/testing/records.ts';
import { describe, it, run, summaryLine } from '../../runtimes/harness/mini-test.ts';

declare const Deno: { openKv(path?: string): Promise<DenoKv & { close(): void }> };

const kv = await Deno.openKv(':memory:');
let stores = 0;
/** Each store under its own prefix, so tests never see each other's keys. */
const fresh = () =>
  denoKvStore({ kv, prefix: ['t', ++stores], pruneIntervalMs: 0, contentionTimeoutMs: 10_000 });

describeStoreConformance({ name: 'deno-kv', createStore: fresh });

/** Every key under `prefix`, as strings. */
async function keysUnder(prefix: readonly (string | number)[]): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of kv.list({ prefix })) found.push(entry.key.map(String).join('/'));
  return found;
}

describe('deno-kv store specifics', () => {
  it('deno-kv: a value larger than one KV value is chunked, and its chunks go with it', async () => {
    const prefix = ['big', randomKey()];
    const store = denoKvStore({ kv, prefix, pruneIntervalMs: 0 });
    const key = randomKey();
    const big = 'é'.repeat(100_000) + '日'.repeat(40_000);
    assert.equal(await store.create(key, sampleRecord({ data: { big } })), true);
    assert.equal((await store.get(key))?.data.big, big);
    const chunks = (await keysUnder([...prefix, 'c'])).length;
    assert.ok(chunks >= 3, `${chunks} chunks`);
    assert.equal(
      await store.update(key, {
        set: { small: '1' },
        del: ['big'],
        lastSeenAt: 1,
        expiresAt: Date.now() + 60_000,
      }),
      true,
    );
    assert.deepEqual(
      await keysUnder([...prefix, 'c']),
      [],
      'the old chunks were deleted with the head that named them',
    );
    assert.equal(await store.delete(key), true);
    assert.deepEqual(await keysUnder(prefix), [], 'nothing of the session is left');
  });

  it('deno-kv: a rotation leaves a forwarder that keeps the old owner in the index, and no data', async () => {
    const prefix = ['rot', randomKey()];
    const store = denoKvStore({ kv, prefix, pruneIntervalMs: 0 });
    const user = randomUserId();
    const [oldKey, newKey] = [randomKey(), randomKey()];
    await store.create(oldKey, sampleRecord({ userId: user }));
    assert.equal(await store.rotate(oldKey, newKey, rotationOf({}, user)), 'rotated');
    const head = (
      await kv.get<{ kind: string; successor: string; inline?: string }>([...prefix, 's', oldKey])
    ).value;
    assert.equal(head?.kind, 'forward');
    assert.equal(head?.successor, newKey);
    assert.equal(head?.inline, undefined);
    assert.deepEqual((await keysUnder([...prefix, 'u', user])).length, 2);
    assert.equal(await store.deleteByUser(user), 1);
    assert.deepEqual(await keysUnder([...prefix, 's']), []);
  });

  it('deno-kv: purgeExpired removes expired records and old forwarders with their index entries', async () => {
    const prefix = ['purge', randomKey()];
    const store = denoKvStore({ kv, prefix, pruneIntervalMs: 0 });
    const user = randomUserId();
    const [dead, live, moved, next] = [randomKey(), randomKey(), randomKey(), randomKey()];
    await store.create(dead, sampleRecord({ userId: user, expiresAt: Date.now() - 1 }));
    await store.create(live, sampleRecord({ userId: user }));
    await store.create(moved, sampleRecord());
    await store.rotate(moved, next, rotationOf({ forwardUntil: Date.now() - 1 }));
    assert.equal(await store.purgeExpired(), 1);
    assert.deepEqual(
      (await keysUnder([...prefix, 's'])).sort(),
      [live, next].map((k) => `${prefix.join('/')}/s/${k}`).sort(),
    );
    assert.deepEqual(await keysUnder([...prefix, 'u', user]), [`${prefix.join('/')}/u/${user}/${live}`]);
  });

  it('deno-kv: a wrong kv is a ConfigError that names the fix', () => {
    const isConfig = (pattern: RegExp) => (error: { code?: string; message?: string }) =>
      error.code === ErrorCodes.CONFIG && pattern.test(error.message ?? '');
    const pending = Deno.openKv(':memory:');
    assert.throws(
      () => denoKvStore({ kv: pending as unknown as DenoKv }),
      isConfig(/await Deno\.openKv\(\) first/),
    );
    assert.throws(() => denoKvStore({ kv: undefined as unknown as DenoKv }), isConfig(/--unstable-kv/));
    void pending.then((other) => other.close());
  });
});

const result = await run();
kv.close();
console.log(JSON.stringify(result));
console.log(summaryLine(result));
