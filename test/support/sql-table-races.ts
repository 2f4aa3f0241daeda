/**
 * The SQL-table suite's look at forwarder rows and at races between two store instances (two
 * pools, or two database handles on one file), checked against the rows the table holds: what
 * the conformance suite, with one store and only the Store API, cannot see.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { UserLimit } from '../../src/core/store.ts';
import type { SqlStore } from '../../src/stores/shared/sql-store.ts';
import { patchOf } from '../../src/testing/conformance-basics.ts';
import { rotationOf } from '../../src/testing/conformance-rotation.ts';
import { randomKey, randomUserId, sampleRecord, sleep } from '../../src/testing/records.ts';
import type { SqlTableHarness } from './sql-table-harness.ts';

/** Rounds of each race between instances. */
const ROUNDS = 50;

/** A random delay of 0 to 3 ms, so either side of a race may go first. */
function jitter(): Promise<void> {
  return sleep(Math.floor(Math.random() * 4));
}

/** Two instances of one store on one fresh table, and a reader of its rows. */
function twoInstances(h: SqlTableHarness) {
  const table = h.table();
  const first = h.open({ table, pruneIntervalMs: 0 });
  const second = h.open({ table, pruneIntervalMs: 0 }, { second: true });
  const k = h.quote('key');
  /** The rows (either kind) at `keys` (random keys: safe to inline). */
  const rowsAt = (keys: readonly string[]) =>
    h.sql(
      `SELECT ${k} AS k, successor, user_id, expires_at, readable_until, forward_writes, data
       FROM ${h.quote(table)} WHERE ${k} IN (${keys.map((key) => `'${key}'`).join(', ')})`,
    );
  /** How many live record rows `userId` has. */
  const liveRowsOf = async (userId: string) =>
    Number(
      (
        await h.sql(
          `SELECT count(*) AS n FROM ${h.quote(table)}
           WHERE user_id = '${userId}' AND successor IS NULL AND expires_at > ${Date.now()}`,
        )
      )[0]?.n,
    );
  const close = async () => {
    await first.close();
    await second.close();
  };
  return { first, second, rowsAt, liveRowsOf, close };
}

export function registerSqlTableRaces(h: SqlTableHarness): void {
  const { name } = h;

  it(`${name}: a forwarder row keeps the old owner and forwardUntil, holds no data, and is never listed, scanned or counted`, async () => {
    const { first: store, rowsAt, close } = twoInstances(h);
    const [owner, next] = [randomUserId(), randomUserId()];
    const [oldKey, newKey] = [randomKey(), randomKey()];
    await store.create(oldKey, sampleRecord({ userId: owner, data: { secret: '"s"' } }));
    const rotation = rotationOf({ forwardWrites: false, readableUntil: Date.now() + 60_000 }, next);
    assert.equal(await store.rotate(oldKey, newKey, rotation), 'rotated');
    const [row] = await rowsAt([oldKey]);
    assert.ok(row);
    const data = typeof row.data === 'string' ? JSON.parse(row.data) : row.data;
    assert.deepStrictEqual(
      {
        successor: row.successor,
        userId: row.user_id,
        forwardUntil: Number(row.expires_at),
        readableUntil: Number(row.readable_until),
        forwardWrites: Number(row.forward_writes),
        data,
      },
      {
        successor: newKey,
        userId: owner,
        forwardUntil: rotation.forwardUntil,
        readableUntil: rotation.readableUntil,
        forwardWrites: 0,
        data: {},
      },
    );
    assert.deepStrictEqual(await store.listByUser(owner), []);
    assert.deepStrictEqual(
      (await store.listByUser(next)).map((entry) => entry.key),
      [newKey],
    );
    const scanned = (await store.scan({ limit: 100 })).entries.map((entry) => entry.key);
    assert.deepStrictEqual(scanned, [newKey]);
    assert.equal(await store.count(), 1);
    assert.equal(
      (await store.get(oldKey))?.userId,
      next,
      'in its grace window the old key reads the new record',
    );
    assert.equal(
      await store.deleteByUser(owner),
      1,
      "the old owner's revocation ends the session it moved to",
    );
    assert.deepStrictEqual(await rowsAt([oldKey, newKey]), []);
    await close();
  });

  for (const ending of ['delete', 'deleteByUser'] as const) {
    it(`${name}: ${ending} racing a rotation on another instance, ${ROUNDS} rounds with random delays: no row of the session is left`, async () => {
      const { first, second, rowsAt, close } = twoInstances(h);
      for (let round = 0; round < ROUNDS; round++) {
        const user = randomUserId();
        const [oldKey, newKey] = [randomKey(), randomKey()];
        // Alternate which instance rotates, so both connection pools play both parts.
        const [rotating, ender] = round % 2 === 0 ? [first, second] : [second, first];
        // Both endings remove exactly one live record: the old one, or the one it moved to.
        const end = async (): Promise<number> =>
          ending === 'delete' ? Number(await ender.delete(oldKey)) : ender.deleteByUser(user);
        await rotating.create(oldKey, sampleRecord({ userId: user }));
        const [outcome, ended] = await Promise.all([
          jitter().then(() => rotating.rotate(oldKey, newKey, rotationOf({}, user))),
          jitter().then(end),
        ]);
        assert.ok(outcome === 'rotated' || outcome === 'gone', `round ${round}: ${outcome}`);
        assert.equal(ended, 1, `round ${round}: what the ending removed`);
        assert.deepStrictEqual(await rowsAt([oldKey, newKey]), [], `round ${round} after ${outcome}`);
      }
      await close();
    });
  }

  it(`${name}: 50 writes from another instance racing a rotation all land on the new record`, async () => {
    const { first, second, close } = twoInstances(h);
    const [oldKey, newKey] = [randomKey(), randomKey()];
    await first.create(oldKey, sampleRecord({ data: {} }));
    const writes = Array.from({ length: 50 }, (_, i) =>
      sleep(i % 6).then(() => second.update(oldKey, patchOf({ [`k${i}`]: String(i) }))),
    );
    const rotation = sleep(2).then(() =>
      first.rotate(oldKey, newKey, rotationOf({ patch: { set: {}, del: [] } })),
    );
    const [outcome, ...results] = await Promise.all([rotation, ...writes]);
    assert.equal(outcome, 'rotated');
    assert.deepStrictEqual(results, Array(50).fill(true));
    const data = { ...(await second.get(newKey))?.data };
    const expected = Object.fromEntries(results.map((_, i) => [`k${i}`, String(i)]));
    assert.deepStrictEqual(data, expected);
    await close();
  });

  const limitRace =
    (limit: UserLimit, check: (outcomes: unknown[], liveRows: number) => void) => async () => {
      const { first, second, liveRowsOf, close } = twoInstances(h);
      const user = randomUserId();
      const stores: SqlStore[] = [first, second];
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          stores[i % 2]?.create(
            randomKey(),
            sampleRecord({ userId: user, lastSeenAt: Date.now() - i }),
            limit,
          ),
        ),
      );
      check(outcomes, await liveRowsOf(user));
      await close();
    };

  it(
    `${name}: 50 parallel creates for one user on two instances with a limit of 5 (reject): exactly 5 rows`,
    limitRace({ max: 5, onLimit: 'reject' }, (outcomes, liveRows) => {
      assert.equal(outcomes.filter((o) => o === true).length, 5, `outcomes: ${outcomes.join(',')}`);
      assert.equal(outcomes.filter((o) => o === 'limit').length, 45);
      assert.equal(liveRows, 5);
    }),
  );

  it(
    `${name}: 50 parallel creates for one user on two instances with a limit of 5 (evictOldest): at most 5 rows`,
    limitRace({ max: 5, onLimit: 'evictOldest' }, (outcomes, liveRows) => {
      assert.deepStrictEqual(outcomes, Array(50).fill(true));
      assert.ok(liveRows >= 1 && liveRows <= 5, `${liveRows} live rows`);
    }),
  );
}
