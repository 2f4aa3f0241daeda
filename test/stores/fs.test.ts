import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCodes } from '../../src/core/errors.ts';
import { encodeForward } from '../../src/stores/fs/forward-file.ts';
import { fsStore } from '../../src/stores/fs.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { patchOf } from '../../src/testing/conformance-basics.ts';
import { rotationOf } from '../../src/testing/conformance-rotation.ts';
import { expiredRecord, randomKey, randomUserId, sampleRecord, sleep } from '../../src/testing/records.ts';

const root = mkdtempSync(join(tmpdir(), 'coatcheck-fs-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
/** A fresh, not yet existing directory under this file's temp root. */
function freshDir(): string {
  dirs += 1;
  return join(root, `d${dirs}`);
}

describeStoreConformance({ name: 'fs', createStore: () => fsStore({ directory: freshDir() }) });

/** Every path under `directory`, relative, sorted. */
function listAll(directory: string): string[] {
  return (readdirSync(directory, { recursive: true }) as string[]).map((p) => p.replaceAll('\\', '/')).sort();
}
const mode = (path: string) => statSync(path).mode & 0o777;
const isCode =
  (code: string, pattern = /./) =>
  (error: { code?: string; message?: string }) =>
    error.code === code && pattern.test(error.message ?? '');

describe('fs store specifics', () => {
  it('fs: directory is required and validated', () => {
    assert.throws(() => fsStore({} as never), isCode(ErrorCodes.CONFIG, /directory is required/));
    assert.throws(() => fsStore({ directory: ' ' }), isCode(ErrorCodes.CONFIG, /directory/));
    assert.throws(() => fsStore({ directory: 'a\0b' }), isCode(ErrorCodes.CONFIG, /NUL/));
    assert.throws(
      () => fsStore({ directory: freshDir(), lockStaleMs: 0 }),
      isCode(ErrorCodes.CONFIG, /lockStaleMs/),
    );
  });

  it('fs: path traversal is impossible: bad keys are rejected and nothing is written outside', async () => {
    const outer = join(root, `outer${dirs}`);
    const directory = join(outer, 'store', 'inner');
    const store = fsStore({ directory, pruneIntervalMs: 0 });
    await store.create(randomKey(), sampleRecord()); // creates the layout
    const before = listAll(root);
    const bad = [
      '../../etc/passwd',
      '../x',
      '..',
      '.',
      '...',
      '/etc/passwd',
      `${directory}/x`,
      'a/b',
      'a\\b',
      'a\0b',
      '',
      'x'.repeat(201),
      'sp ace',
      'ü',
      'C:x\\y',
    ];
    const window = { lastSeenAt: Date.now(), expiresAt: Date.now() + 60_000 };
    for (const key of bad) {
      const attempts = [
        store.get(key),
        store.create(key, sampleRecord()),
        store.update(key, { set: { a: '1' }, del: [], ...window }),
        store.touch(key, window),
        store.delete(key),
        store.rotate(key, randomKey(), rotationOf()),
        store.rotate(randomKey(), key, rotationOf()),
      ];
      for (const attempt of attempts) {
        await assert.rejects(attempt, isCode(ErrorCodes.CONFIG, /store key/), `key ${JSON.stringify(key)}`);
      }
    }
    assert.deepStrictEqual(listAll(root), before, 'no file appeared or vanished anywhere');
    assert.equal(await store.count(), 1);
    await store.close();
  });

  it('fs: directories are 0700 and files 0600', async () => {
    const directory = freshDir();
    const store = fsStore({ directory, pruneIntervalMs: 0 });
    const key = randomKey();
    const user = randomUserId();
    await store.create(key, sampleRecord({ userId: user }));
    await store.update(key, {
      set: { a: '1' },
      del: [],
      lastSeenAt: Date.now(),
      expiresAt: Date.now() + 60_000,
    });
    const rotated = randomKey();
    await store.create(rotated, sampleRecord({ userId: user }));
    assert.equal(await store.rotate(rotated, randomKey(), rotationOf({}, user)), 'rotated');
    const paths = listAll(directory);
    assert.ok(paths.includes(`sessions/${key}.json`), paths.join(', '));
    assert.ok(paths.includes(`forwards/${rotated}.json`), paths.join(', '));
    assert.ok(paths.some((p) => p.startsWith('users/') && p.endsWith(`/${key}`)));
    assert.equal(mode(directory), 0o700);
    for (const path of paths) {
      const full = join(directory, path);
      const expected = statSync(full).isDirectory() ? 0o700 : 0o600;
      assert.equal(mode(full), expected, `${path} has mode ${mode(full).toString(8)}`);
    }
    assert.equal(paths.filter((p) => p.startsWith('locks/') && p !== 'locks').length, 0, 'locks released');
    await store.close();
  });

  it('fs: the user index survives a restart', async () => {
    const directory = freshDir();
    const user = randomUserId();
    const first = fsStore({ directory, pruneIntervalMs: 0 });
    const keys = [randomKey(), randomKey()].sort();
    for (const key of keys) await first.create(key, sampleRecord({ userId: user }));
    await first.close();
    const second = fsStore({ directory, pruneIntervalMs: 0 });
    assert.deepStrictEqual((await second.listByUser(user)).map((e) => e.key).sort(), keys);
    assert.equal(await second.deleteByUser(user), 2);
    assert.deepStrictEqual(await second.listByUser(user), []);
    await second.close();
  });

  it('fs: temp files are ignored by get; purge removes old ones, stale markers and abandoned locks', async () => {
    const directory = freshDir();
    const store = fsStore({ directory, pruneIntervalMs: 0, lockStaleMs: 1000 });
    const key = randomKey();
    await store.create(randomKey(), sampleRecord());
    const sessions = join(directory, 'sessions');
    writeFileSync(join(sessions, `${key}.json.0123456789abcdef.tmp`), '{"v":1,"key":"half');
    writeFileSync(join(sessions, `${key}.json.fresh.tmp`), '{');
    assert.equal(await store.get(key), undefined);
    assert.equal(await store.count(), 1);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(sessions, `${key}.json.0123456789abcdef.tmp`), old, old);
    const ghost = randomKey();
    const userDir = join(directory, 'users', 'someone');
    mkdirSync(userDir, { mode: 0o700 });
    writeFileSync(join(userDir, ghost), '');
    writeFileSync(join(directory, 'locks', `${ghost}.lock`), '999999999 elsewhere');
    utimesSync(join(directory, 'locks', `${ghost}.lock`), old, old);
    assert.equal(await store.purgeExpired(), 0);
    const left = listAll(directory);
    assert.ok(!left.some((p) => p.includes('0123456789abcdef')), 'the old temp file is gone');
    assert.ok(
      left.some((p) => p.includes('fresh.tmp')),
      'a fresh temp file (a writer at work) is kept',
    );
    assert.ok(!left.some((p) => p.includes(ghost)), `stale marker and lock are gone: ${left.join(', ')}`);
    assert.ok(!left.includes('users/someone'), 'the empty user directory is gone');
    await store.close();
  });

  it('fs: a lock of a dead process is broken at once; a live one makes the operation wait, then fail', async () => {
    const directory = freshDir();
    const store = fsStore({ directory, pruneIntervalMs: 0, lockTimeoutMs: 300, lockStaleMs: 60_000 });
    const key = randomKey();
    await store.create(key, sampleRecord());
    const lock = join(directory, 'locks', `${key}.lock`);
    writeFileSync(lock, `999999999 ${hostname()}`);
    const started = Date.now();
    assert.equal(await store.touch(key, { lastSeenAt: Date.now(), expiresAt: Date.now() + 60_000 }), true);
    assert.ok(Date.now() - started < 250, 'the dead lock did not make it wait for the timeout');
    writeFileSync(lock, `${process.pid} ${hostname()}`);
    await assert.rejects(store.delete(key), isCode(ErrorCodes.STORE_UNAVAILABLE, /lock/));
    assert.notEqual(await store.get(key), undefined, 'nothing happened without the lock');
    rmSync(lock);
    await store.delete(key);
    assert.equal(await store.get(key), undefined);
    await store.close();
  });

  it('fs: a damaged session file is reported, not silently treated as a session', async () => {
    const directory = freshDir();
    const store = fsStore({ directory, pruneIntervalMs: 0 });
    const key = randomKey();
    await store.create(key, sampleRecord());
    writeFileSync(join(directory, 'sessions', `${key}.json`), '{"v":1,"key":');
    await assert.rejects(store.get(key), isCode(ErrorCodes.CORRUPT_RECORD));
    await store.delete(key);
    assert.equal(await store.get(key), undefined);
    await store.close();
  });

  it('fs: the prune timer purges in the background and close() stops it', async () => {
    const directory = freshDir();
    const store = fsStore({ directory, pruneIntervalMs: 25 });
    await store.create(randomKey(), expiredRecord());
    await sleep(200);
    assert.equal(await store.count(), 0, 'the timer purged the expired file');
    await store.close();
    const other = fsStore({ directory, pruneIntervalMs: 0 });
    await other.create(randomKey(), expiredRecord());
    await sleep(200);
    assert.equal(await other.count(), 1, 'no purge after close()');
    await other.close();
  });

  it('fs: purgeExpired streams a directory of many files and keeps live ones', async () => {
    const directory = freshDir();
    const store = fsStore({ directory, pruneIntervalMs: 0 });
    const user = randomUserId();
    for (let i = 0; i < 300; i++)
      await store.create(
        randomKey(),
        i % 3 === 0 ? sampleRecord({ userId: user }) : expiredRecord({ userId: user }),
      );
    assert.equal(await store.purgeExpired(), 200);
    assert.equal(await store.count(), 100);
    assert.equal((await store.listByUser(user)).length, 100);
    assert.equal(
      readdirSync(join(directory, 'users', readdirSync(join(directory, 'users'))[0] ?? '')).length,
      100,
    );
    await store.close();
  });

  it('fs: a forwarder naming a successor outside the store is damaged, never followed; delete removes it', async () => {
    const directory = freshDir();
    const store = fsStore({ directory, pruneIntervalMs: 0 });
    await store.create(randomKey(), sampleRecord()); // creates the layout
    const outside = join(directory, 'victim.json');
    writeFileSync(outside, '{}');
    const key = randomKey();
    const forged = { key, userId: null, readableUntil: Date.now() + 60_000, forwardWrites: true };
    const text = encodeForward({ ...forged, successor: '../victim', forwardUntil: Date.now() + 60_000 });
    writeFileSync(join(directory, 'forwards', `${key}.json`), text);
    await assert.rejects(store.get(key), isCode(ErrorCodes.CORRUPT_RECORD));
    await assert.rejects(store.update(key, patchOf({ a: '1' })), isCode(ErrorCodes.CORRUPT_RECORD));
    assert.equal(await store.delete(key), false, 'no record was removed');
    assert.equal(await store.get(key), undefined, 'the damaged forwarder is gone');
    assert.ok(existsSync(outside), 'nothing outside the store was touched');
    await store.close();
  });

  it('fs: purge drops forwarders past forwardUntil and their markers, and keeps remembered ones', async () => {
    const directory = freshDir();
    const store = fsStore({ directory, pruneIntervalMs: 0 });
    const user = randomUserId();
    const [short, long, shortNext, longNext] = [randomKey(), randomKey(), randomKey(), randomKey()];
    for (const key of [short, long]) await store.create(key, sampleRecord({ userId: user }));
    await store.rotate(short, shortNext, rotationOf({ forwardUntil: Date.now() + 100 }, user));
    await store.rotate(long, longNext, rotationOf({ forwardUntil: Date.now() + 60_000 }, user));
    await sleep(200);
    assert.equal(await store.purgeExpired(), 0, 'forwarders are not records');
    assert.deepStrictEqual(readdirSync(join(directory, 'forwards')), [`${long}.json`]);
    const markers = readdirSync(join(directory, 'users', readdirSync(join(directory, 'users'))[0] ?? ''));
    assert.deepStrictEqual(markers.sort(), [long, longNext, shortNext].sort());
    assert.equal(await store.create(short, sampleRecord()), true, 'a forgotten key is free again');
    assert.equal(await store.delete(long), true, 'a remembered forwarder still ends its session');
    assert.equal(await store.get(longNext), undefined);
    await store.close();
  });

  it('fs: deleteByUser with exceptKey keeps that session even through an earlier ticket of it', async () => {
    const store = fsStore({ directory: freshDir(), pruneIntervalMs: 0 });
    const user = randomUserId();
    const [earlier, kept, other] = [randomKey(), randomKey(), randomKey()];
    await store.create(earlier, sampleRecord({ userId: user }));
    await store.rotate(earlier, kept, rotationOf({}, user));
    await store.create(other, sampleRecord({ userId: user }));
    assert.equal(await store.deleteByUser(user, kept), 1);
    assert.notEqual(await store.get(kept), undefined, 'the excepted session is live');
    assert.equal(await store.get(other), undefined);
    await store.close();
  });

  it('fs: after a crash between the forwarder and the removal of the old record, the old session works and ending it ends both', async () => {
    const directory = freshDir();
    const store = fsStore({ directory, pruneIntervalMs: 0 });
    const user = randomUserId();
    const [oldKey, orphan] = [randomKey(), randomKey()];
    await store.create(oldKey, sampleRecord({ userId: user, data: { a: '1' } }));
    await store.create(orphan, sampleRecord({ userId: user, data: { a: '1', rotated: '"yes"' } }));
    const until = Date.now() + 60_000;
    const forward = { key: oldKey, successor: orphan, userId: user, forwardWrites: true };
    writeFileSync(
      join(directory, 'forwards', `${oldKey}.json`),
      encodeForward({ ...forward, readableUntil: until, forwardUntil: until }),
    );
    assert.deepStrictEqual((await store.get(oldKey))?.data, { a: '1' }, 'the old record is still the truth');
    assert.equal(await store.update(oldKey, patchOf({ b: '2' })), true);
    assert.equal(await store.delete(oldKey), true);
    assert.equal(await store.get(oldKey), undefined);
    assert.equal(await store.get(orphan), undefined, 'the orphan went with it');
    assert.deepStrictEqual(await store.listByUser(user), []);
    await store.close();
  });
});
