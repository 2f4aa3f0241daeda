/**
 * The fs store shared by several processes on one directory: the lifecycle rules hold across
 * processes (the locks are lock files, not only promise chains). Each race forks its processes,
 * waits until all are ready, then lets them start their calls at the same moment.
 */
import assert from 'node:assert/strict';
import { execFile, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Store } from '../../src/core/store.ts';
import { fsStore } from '../../src/stores/fs.ts';
import { rotationOf } from '../../src/testing/conformance-rotation.ts';
import { randomKey, randomUserId, sampleRecord } from '../../src/testing/records.ts';
import type { RacerCall, RacerReply } from '../fixtures/fs-racer.ts';

const root = mkdtempSync(join(tmpdir(), 'coatcheck-fs-mp-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const fixtures = join(import.meta.dirname, '..', 'fixtures');

/** A fresh store directory, and a store on it for this (the parent) process. */
function freshStore(): {
  directory: string;
  store: Store & { listByUser(userId: string): Promise<unknown[]> };
} {
  dirs += 1;
  const directory = join(root, `d${dirs}`);
  return { directory, store: fsStore({ directory, pruneIntervalMs: 0 }) };
}

/** Runs each process's calls (one array per process) at the same moment; their outcomes, per process. */
async function race(directory: string, perProcess: RacerCall[][]): Promise<unknown[][]> {
  const racers = perProcess.map((calls) => {
    const child = fork(join(fixtures, 'fs-racer.ts'), [directory, JSON.stringify(calls)], {
      execArgv: ['--import', 'tsx'],
    });
    // 'close' comes after every message the child sent: a reply can never lose to it.
    const closed = new Promise<never>((_, reject) =>
      child.once('close', (code) => reject(new Error(`a racer exited (${code}) before replying`))),
    );
    const ready = new Promise<void>((resolve) => child.once('message', () => resolve()));
    const reply = new Promise<RacerReply>((resolve) =>
      child.on('message', (message) => {
        if (message !== 'ready') resolve(message as RacerReply);
      }),
    );
    return { child, ready: Promise.race([ready, closed]), reply: Promise.race([reply, closed]) };
  });
  await Promise.all(racers.map((racer) => racer.ready));
  for (const { child } of racers) child.send('go');
  const replies = await Promise.all(racers.map((racer) => racer.reply));
  return replies.map((reply) => {
    if ('error' in reply) assert.fail(`a racer failed: ${reply.error}`);
    return reply.outcomes;
  });
}

/** The keys among `keys` that read as a live session. */
async function liveKeys(store: Store, keys: readonly string[]): Promise<string[]> {
  const live: string[] = [];
  for (const key of keys) {
    const record = await store.get(key);
    if (record !== undefined && record.expiresAt > Date.now()) live.push(key);
  }
  return live;
}

const tally = (outcomes: unknown[]) =>
  outcomes.reduce<Record<string, number>>((counts, outcome) => {
    counts[String(outcome)] = (counts[String(outcome)] ?? 0) + 1;
    return counts;
  }, {});

describe('fs store across processes', () => {
  it('fs: 24 rotations of one key from 3 processes: exactly one wins, one live key', async () => {
    const { directory, store } = freshStore();
    const oldKey = randomKey();
    await store.create(oldKey, sampleRecord());
    const newKeys = [0, 1, 2].map(() => Array.from({ length: 8 }, () => randomKey()));
    const outcomes = await race(
      directory,
      newKeys.map((keys) => keys.map((key): RacerCall => ['rotate', oldKey, key, rotationOf()])),
    );
    assert.deepStrictEqual(tally(outcomes.flat()), { rotated: 1, superseded: 23 });
    const winner = newKeys.flat()[outcomes.flat().indexOf('rotated')];
    assert.deepStrictEqual(await liveKeys(store, [oldKey, ...newKeys.flat()]), [winner]);
    await store.close();
  });

  it('fs: 45 creates for one user from 3 processes under { max: 5, reject }: exactly 5 succeed', async () => {
    const { directory, store } = freshStore();
    const user = randomUserId();
    const limit = { max: 5, onLimit: 'reject' } as const;
    const outcomes = await race(
      directory,
      [0, 1, 2].map(() =>
        Array.from(
          { length: 15 },
          (): RacerCall => ['create', randomKey(), sampleRecord({ userId: user }), limit],
        ),
      ),
    );
    assert.deepStrictEqual(tally(outcomes.flat()), { true: 5, limit: 40 });
    assert.equal((await store.listByUser(user)).length, 5);
    await store.close();
  });

  it('fs: deletes in one process racing rotations in another leave nothing live', async () => {
    const { directory, store } = freshStore();
    const pairs = Array.from({ length: 20 }, () => [randomKey(), randomKey()] as const);
    for (const [oldKey] of pairs) await store.create(oldKey, sampleRecord());
    const [rotations = [], deletes = []] = await race(directory, [
      pairs.map(([oldKey, newKey]): RacerCall => ['rotate', oldKey, newKey, rotationOf()]),
      pairs.map(([oldKey]): RacerCall => ['delete', oldKey]),
    ]);
    assert.ok(
      rotations.every((o) => o === 'rotated' || o === 'gone'),
      JSON.stringify(tally(rotations)),
    );
    assert.deepStrictEqual(tally(deletes), { true: 20 }, 'each delete ended the session, moved or not');
    assert.deepStrictEqual(await liveKeys(store, pairs.flat()), []);
    await store.close();
  });

  it('fs: deleteByUser in one process racing rotations in another leaves nothing of the user live', async () => {
    const { directory, store } = freshStore();
    const user = randomUserId();
    const pairs = Array.from({ length: 20 }, () => [randomKey(), randomKey()] as const);
    for (const [oldKey] of pairs) await store.create(oldKey, sampleRecord({ userId: user }));
    await race(directory, [
      pairs.map(([oldKey, newKey]): RacerCall => ['rotate', oldKey, newKey, rotationOf({}, user)]),
      [['deleteByUser', user]],
    ]);
    assert.deepStrictEqual(await liveKeys(store, pairs.flat()), []);
    assert.deepStrictEqual(await store.listByUser(user), []);
    await store.close();
  });

  it('fs: 3 processes patching one session at once lose no write', async () => {
    const { directory, store } = freshStore();
    const key = randomKey();
    await store.create(key, sampleRecord({ data: {} }));
    const run = promisify(execFile);
    await Promise.all(
      ['p1', 'p2', 'p3'].map((id) =>
        run(process.execPath, ['--import', 'tsx', join(fixtures, 'fs-patcher.ts'), directory, key, id, '40']),
      ),
    );
    const record = await store.get(key);
    assert.equal(Object.keys(record?.data ?? {}).length, 120);
    assert.equal(record?.rev, 121);
    await store.close();
  });
});
