/**
 * Workers KV store on miniflare's local KV (workerd's KV implementation, in a workerd child
 * process), driven from Node through `mf.getKVNamespace()`: the conformance suite (which skips the
 * user index the store honestly does not offer), then what is specific to KV: the binding check,
 * the refused user limit, the KV expirations written, and the items a rotation leaves.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ErrorCodes } from '../../src/core/errors.ts';
import { storeCapabilities } from '../../src/core/store.ts';
import { type KvNamespace, kvStore } from '../../src/stores/kv.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { rotationOf } from '../../src/testing/conformance-rotation.ts';
import { randomKey, randomUserId, sampleRecord } from '../../src/testing/records.ts';
import { localCloudflare, runDocWorker } from '../support/miniflare.ts';

const mf = localCloudflare();
const raw = await mf.getKVNamespace('SESSIONS');
const namespace = raw as unknown as KvNamespace;

/** A store under its own prefix, so tests never see each other's keys. */
const freshStore = (prefix = `t${randomBytes(6).toString('hex')}:`) => kvStore({ namespace, prefix });

describeStoreConformance({ name: 'kv', createStore: () => freshStore() });

const isCode = (code: string, pattern: RegExp) => (error: { code?: string; message?: string }) =>
  error.code === code && pattern.test(error.message ?? '');

describe('kv store specifics', () => {
  it('kv: a wrong binding is a ConfigError that names the fix', async () => {
    const d1 = await mf.getD1Database('DB');
    assert.throws(
      () => kvStore({ namespace: d1 as unknown as KvNamespace }),
      isCode(ErrorCodes.CONFIG, /D1 database: use d1Store/),
    );
    assert.throws(
      () => kvStore({ namespace: undefined as unknown as KvNamespace }),
      isCode(ErrorCodes.CONFIG, /\[\[kv_namespaces\]\]/),
    );
  });

  it('kv: declares no user index, purge, count, scan or blind writes', () => {
    assert.deepEqual(storeCapabilities(freshStore()), {
      userIndex: false,
      reportsExpired: false,
      purge: false,
      count: false,
      scan: false,
      dataUpdate: false,
    });
  });

  it('kv: a user limit is refused with UnsupportedError, and nothing is written', async () => {
    const store = freshStore();
    const key = randomKey();
    const limit = { max: 1, onLimit: 'reject' } as const;
    await assert.rejects(
      store.create(key, sampleRecord({ userId: randomUserId() }), limit),
      isCode(ErrorCodes.UNSUPPORTED, /use d1Store/),
    );
    assert.equal(await store.get(key), undefined);
    assert.equal(await store.create(key, sampleRecord(), limit), true, 'an anonymous session ignores it');
  });

  it("kv: records carry a KV expiration at their deadline (at least KV's 60 s minimum ahead)", async () => {
    const prefix = `exp${randomBytes(6).toString('hex')}:`;
    const store = freshStore(prefix);
    const [short, long] = [randomKey(), randomKey()];
    const longAt = Date.now() + 3_600_000;
    await store.create(short, sampleRecord({ expiresAt: Date.now() + 1000 }));
    await store.create(long, sampleRecord({ expiresAt: longAt }));
    const listed = await (
      raw as unknown as {
        list(o: { prefix: string }): Promise<{ keys: { name: string; expiration?: number }[] }>;
      }
    ).list({ prefix });
    const expiration = new Map(listed.keys.map((k) => [k.name.slice(prefix.length), k.expiration ?? 0]));
    assert.equal(expiration.get(long), Math.ceil(longAt / 1000));
    const shortAt = (expiration.get(short) ?? 0) * 1000;
    assert.ok(
      shortAt >= Date.now() + 55_000 && shortAt <= Date.now() + 70_000,
      `short expires at ${shortAt}`,
    );
  });

  it('kv: a rotation leaves a forwarder at the old key and the whole record at the new one', async () => {
    const prefix = `rot${randomBytes(6).toString('hex')}:`;
    const store = freshStore(prefix);
    const [oldKey, newKey] = [randomKey(), randomKey()];
    await store.create(oldKey, sampleRecord({ data: { a: '1' } }));
    assert.equal(await store.rotate(oldKey, newKey, rotationOf()), 'rotated');
    const forward = JSON.parse((await namespace.get(prefix + oldKey, 'text')) ?? 'null') as {
      kind?: string;
      successor?: string;
    };
    assert.equal(forward.kind, 'forward');
    assert.equal(forward.successor, newKey);
    const moved = JSON.parse((await namespace.get(prefix + newKey, 'text')) ?? 'null') as {
      data?: unknown;
      rev?: number;
    };
    assert.deepEqual(moved.data, { a: '1', rotated: '"yes"' });
    assert.equal(moved.rev, 1);
    assert.equal(await store.delete(oldKey), true);
    assert.equal(await namespace.get(prefix + newKey, 'text'), null, 'the delete followed the forwarder');
    assert.equal(await namespace.get(prefix + oldKey, 'text'), null);
  });

  it('kv: the Worker in docs/stores/kv.md runs in workerd on the local KV', async () => {
    assert.equal(
      await runDocWorker('docs/stores/kv.md', { kvNamespaces: ['SESSIONS'] }),
      'visit 1\nvisit 2\n',
    );
  });
});
