/**
 * The Redis store's rotation protocol, one interleaving at a time, on a real server: a wrapper
 * around a real ioredis client holds one script call at a gate while the test runs the racing
 * operation, then lets it go. Registered by the standalone and the Cluster test files; on a
 * Cluster the old key, the new key and the user's index are picked on three different masters.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Cluster, Redis } from 'ioredis';
import type { StoreRotation } from '../../src/core/store.ts';
import type { LuaScript } from '../../src/stores/redis/driver.ts';
import { CLAIM, FORWARD } from '../../src/stores/redis/rotation-scripts.ts';
import { CREATE } from '../../src/stores/redis/scripts.ts';
import { type IoRedisLike, redisStore } from '../../src/stores/redis.ts';
import { randomKey, randomUserId, sampleRecord, sleep } from '../../src/testing/records.ts';
import { type Gate, type GateLatch, gate } from '../support/gate.ts';
import { uniqueName } from '../support/services.ts';

type Client = Redis | Cluster;

/** A real client whose script calls can be held, and whose commands are counted. */
export function gatedClient(client: Client) {
  const gates: { script: LuaScript; key: string; latch: GateLatch }[] = [];
  const sent: string[] = [];
  const gated: IoRedisLike & { nodes?: unknown } = {
    evalsha: client.evalsha.bind(client) as IoRedisLike['evalsha'],
    defineCommand: client.defineCommand.bind(client) as IoRedisLike['defineCommand'],
    isCluster: client.isCluster,
    async call(command, ...args) {
      sent.push(command);
      // EVALSHA sha 1 key … (or EVAL source 1 key … after NOSCRIPT)
      const [script, , key] = args.map(String);
      const i = gates.findIndex(
        (g) => (g.script.sha === script || g.script.source === script) && g.key === key,
      );
      const held = gates[i];
      if (held !== undefined) {
        gates.splice(i, 1);
        await held.latch.park();
      }
      return client.call(command, ...args);
    },
  };
  if (client.isCluster) gated.nodes = (role: 'master') => (client as Cluster).nodes(role);
  return {
    client: gated,
    sent,
    /** Holds the next call of `script` on Redis key `key` until the gate is opened. */
    hold(script: LuaScript, key: string): Gate {
      const { gate: closed, latch } = gate();
      gates.push({ script, key, latch });
      return closed;
    },
  };
}

/** The master that owns `name` (`'standalone'` off Cluster). */
async function masterOf(client: Client, name: string): Promise<string> {
  if (!client.isCluster) return 'standalone';
  const slot = Number(await client.call('CLUSTER', 'KEYSLOT', name));
  return (client as Cluster).slots[slot]?.[0] ?? 'unknown';
}

/**
 * A store key whose session hash lives on another master than each of `avoid` (Redis key names);
 * any key off Cluster.
 */
async function keyAwayFrom(client: Client, prefix: string, avoid: string[]): Promise<string> {
  const taken = new Set(await Promise.all(avoid.map((name) => masterOf(client, name))));
  for (;;) {
    const key = randomKey();
    if (!client.isCluster || !taken.has(await masterOf(client, `${prefix}s:${key}`))) return key;
  }
}

/** Old key, new key and user whose three Redis keys live on three different masters (on Cluster). */
export async function spreadKeys(client: Client, prefix: string) {
  const userId = randomUserId();
  const index = `${prefix}u:${userId}`;
  const oldKey = await keyAwayFrom(client, prefix, [index]);
  const newKey = await keyAwayFrom(client, prefix, [index, `${prefix}s:${oldKey}`]);
  const names = [`${prefix}s:${oldKey}`, `${prefix}s:${newKey}`, index];
  if (client.isCluster) {
    const masters = new Set(await Promise.all(names.map((name) => masterOf(client, name))));
    assert.equal(masters.size, 3, 'old key, new key and index must sit on three masters');
  }
  return { userId, oldKey, newKey, names };
}

function rotationFor(userId: string | null, overrides: Partial<StoreRotation> = {}): StoreRotation {
  const { data: _data, ...record } = sampleRecord({ userId });
  return {
    record,
    patch: { set: { rotated: '1' }, del: [] },
    readableUntil: Date.now(),
    forwardWrites: true,
    forwardUntil: Date.now() + 60_000,
    ...overrides,
  };
}

const patch = (set: Record<string, string>) => ({
  set,
  del: [],
  lastSeenAt: Date.now(),
  expiresAt: Date.now() + 3_600_000,
});

/** Registers the interleaving tests for `name`, with a fresh prefix per test. */
export function describeRedisInterleavings(
  name: string,
  client: () => Client,
  skip: string | undefined,
): void {
  // A protocol that never reaches a gate must fail, not hang.
  describe(`${name}: rotation interleavings`, {
    timeout: 20_000,
    ...(skip === undefined ? {} : { skip }),
  }, () => {
    const setup = async () => {
      const prefix = `${uniqueName('cc-ri')}:`;
      after(async () => {
        const io = client();
        const masters = io.isCluster ? (io as Cluster).nodes('master') : [io as Redis];
        for (const node of masters) for (const key of await node.keys(`${prefix}*`)) await io.del(key);
      });
      const gated = gatedClient(client());
      const store = redisStore({ client: gated.client, prefix });
      const keys = await spreadKeys(client(), prefix);
      await store.create(keys.oldKey, sampleRecord({ userId: keys.userId, data: { a: '1' } }));
      return { ...keys, prefix, gated, store };
    };

    it(`${name}: a delete between the claim and the new record: gone, nothing live, nothing indexed`, async () => {
      const { oldKey, newKey, userId, names, gated, store } = await setup();
      const gate = gated.hold(CREATE, names[1] ?? '');
      const rotating = store.rotate(oldKey, newKey, rotationFor(userId));
      await gate.reached;
      assert.equal(await store.delete(oldKey), true);
      gate.open();
      assert.equal(await rotating, 'gone');
      assert.equal(await store.get(oldKey), undefined);
      assert.equal(await store.get(newKey), undefined);
      assert.deepStrictEqual(await client().call('ZRANGE', names[2] ?? '', '0', '-1'), []);
    });

    it(`${name}: a delete or deleteByUser just before the forwarder is written: gone, nothing live`, async () => {
      for (const ending of ['delete', 'deleteByUser'] as const) {
        const { oldKey, newKey, userId, names, gated, store } = await setup();
        const gate = gated.hold(FORWARD, names[0] ?? '');
        const rotating = store.rotate(oldKey, newKey, rotationFor(userId));
        await gate.reached;
        assert.ok(await client().exists(names[1] ?? ''), 'the new record exists before the last step');
        if (ending === 'delete') assert.equal(await store.delete(oldKey), true);
        else assert.equal(await store.deleteByUser(userId), 1);
        gate.open();
        assert.equal(await rotating, 'gone', ending);
        const left = await Promise.all(names.slice(0, 2).map((name) => client().exists(name)));
        assert.deepStrictEqual(left, [0, 0], `${ending}: a key survived`);
        assert.deepStrictEqual(await store.listByUser(userId), [], ending);
      }
    });

    it(`${name}: a write during the claim waits, then lands on the new record`, async () => {
      const { oldKey, newKey, userId, names, gated, store } = await setup();
      const gate = gated.hold(FORWARD, names[0] ?? '');
      const rotating = store.rotate(oldKey, newKey, rotationFor(userId));
      await gate.reached;
      let settled = false;
      const writing = store.update(oldKey, patch({ during: '1' })).finally(() => {
        settled = true;
      });
      await sleep(60);
      assert.equal(settled, false, 'the write must wait for the claim, not land on the old record');
      gate.open();
      assert.equal(await rotating, 'rotated');
      assert.equal(await writing, true);
      assert.equal((await store.get(newKey))?.data.during, '1');
      assert.equal((await store.get(newKey))?.data.a, '1');
    });

    it(`${name}: a rival rotation waits for the claim and is superseded; its key never lives`, async () => {
      const { oldKey, newKey, userId, names, gated, store } = await setup();
      const gate = gated.hold(FORWARD, names[0] ?? '');
      const first = store.rotate(oldKey, newKey, rotationFor(userId));
      await gate.reached;
      const rivalKey = randomKey();
      const rival = store.rotate(oldKey, rivalKey, rotationFor(userId));
      await sleep(30);
      gate.open();
      assert.deepStrictEqual(await Promise.all([first, rival]), ['rotated', 'superseded']);
      assert.equal(await store.get(rivalKey), undefined);
      assert.ok(await store.get(newKey));
    });

    it(`${name}: a rotator that died after claiming leaves the session usable once the claim lapses`, async () => {
      const { oldKey, names, store } = await setup();
      const oldName = names[0] ?? '';
      await client().call('EVAL', CLAIM.source, '1', oldName, String(Date.now()), randomKey(), '500');
      const started = Date.now();
      assert.equal(await store.update(oldKey, patch({ after: '1' })), true);
      const waited = Date.now() - started;
      assert.ok(waited >= 300 && waited < 1200, `the write waited ${waited} ms for a 500 ms claim`);
      assert.equal((await store.get(oldKey))?.data.after, '1');
      assert.equal(await store.rotate(oldKey, randomKey(), rotationFor(null)), 'rotated');
    });
  });
}
