/**
 * The Drizzle store on node-postgres sends its statements outside transactions straight to the
 * app's pg.Pool (`pool.query(text, values)`) when Drizzle has no logger, and through Drizzle
 * (`db.execute`, which calls `pool.query(config, values)`) when the app gave it one, so a logging
 * app still sees every statement. Both read and write the same rows. The pool is real; the count
 * wraps its own `query` method, the one both paths end in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { createSessions } from '../../../src/index.ts';
import { pgSessionTable } from '../../../src/stores/drizzle/pg.ts';
import { drizzleStore } from '../../../src/stores/drizzle.ts';
import { serviceSkipReason, serviceUrls } from '../../support/services.ts';

const TABLE = `coatcheck_direct_${process.pid}`;
const skip = await serviceSkipReason('postgres');

/** A pool whose `query` calls are recorded by the type of their first argument. */
function countedPool(): { pool: pg.Pool; calls: string[] } {
  const pool = new pg.Pool({ connectionString: serviceUrls.postgres, max: 4 });
  const calls: string[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    calls.push(typeof args[0] === 'string' ? 'text' : 'config');
    return query(...args);
  };
  return { pool, calls };
}

describe('drizzle(postgres): statements outside transactions', { skip }, () => {
  const { pool, calls } = countedPool();

  before(async () => {
    const db = drizzle(pool);
    await db.execute(sql.raw(`DROP TABLE IF EXISTS "${TABLE}"`));
    const migration = await generateMigration(
      generateDrizzleJson({}),
      generateDrizzleJson({ sessions: pgSessionTable(TABLE) }),
    );
    for (const statement of migration) await db.execute(sql.raw(statement));
  });

  after(async () => {
    await pool.query(`DROP TABLE IF EXISTS "${TABLE}"`);
    await pool.end();
  });

  async function roundTrip(logged: string[] | undefined): Promise<void> {
    const db = drizzle(
      pool,
      logged === undefined ? {} : { logger: { logQuery: (q) => void logged.push(q) } },
    );
    const sessions = createSessions<{ count?: number }>({
      store: drizzleStore({ db, table: TABLE, pruneIntervalMs: 0 }),
      cookie: { secure: false, name: 'sid' },
    });
    const first = sessions.load({});
    await first.set('count', 1);
    const cookie = (await sessions.commit(first, { status: 200 })).setCookie?.split(';')[0];
    assert.ok(cookie, 'the first write sets a cookie');
    calls.length = 0;
    if (logged !== undefined) logged.length = 0;
    const second = sessions.load({ cookie });
    assert.equal(await second.get('count'), 1, 'the row written is read back');
    await second.set('count', 2);
    await sessions.commit(second, { status: 200 });
    const third = sessions.load({ cookie });
    assert.equal(await third.get('count'), 2);
    await sessions.commit(third, { status: 200 });
    await sessions.close();
  }

  it('no Drizzle logger: the read and the patch go to pool.query(text, values) directly', async () => {
    await roundTrip(undefined);
    assert.ok(calls.length >= 3, `statements seen: ${calls.join(',')}`);
    assert.deepEqual([...new Set(calls)], ['text']);
  });

  it('a Drizzle logger: every statement goes through db.execute, and the logger sees it', async () => {
    const logged: string[] = [];
    await roundTrip(logged);
    assert.ok(calls.length >= 3, `statements seen: ${calls.join(',')}`);
    assert.deepEqual([...new Set(calls)], ['config']);
    assert.equal(logged.length, calls.length, 'one logged statement per query');
  });
});
