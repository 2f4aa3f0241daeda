/**
 * D1 store on miniflare's local D1 (workerd's own D1 implementation, SQLite underneath, in a
 * workerd child process), driven from Node through `mf.getD1Database()`: the conformance suite,
 * then what is specific to D1: the binding check, the shared schema, atomic batches.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes } from '../../src/core/errors.ts';
import { type D1Binding, d1Store } from '../../src/stores/d1.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { rotationOf } from '../../src/testing/conformance-rotation.ts';
import { randomKey, randomUserId, sampleRecord } from '../../src/testing/records.ts';
import { localCloudflare, runDocWorker } from '../support/miniflare.ts';

const mf = localCloudflare();
const database = (await mf.getD1Database('DB')) as unknown as D1Binding;

let tables = 0;
/** A store on its own table, so tests never see each other's rows. */
const freshStore = () => d1Store({ database, table: `sessions_${process.pid}_${++tables}` });

describeStoreConformance({ name: 'd1', createStore: freshStore });

const isConfig = (pattern: RegExp) => (error: { code?: string; message?: string }) =>
  error.code === ErrorCodes.CONFIG && pattern.test(error.message ?? '');

describe('d1 store specifics', () => {
  it('d1: a wrong binding is a ConfigError that names the fix', async () => {
    const kv = await mf.getKVNamespace('SESSIONS');
    assert.throws(() => d1Store({ database: kv as unknown as D1Binding }), isConfig(/KV namespace.*env\.DB/));
    assert.throws(
      () => d1Store({ database: { DB: database } as unknown as D1Binding }),
      isConfig(/whole env: pass the binding itself, env\.DB/),
    );
    assert.throws(
      () => d1Store({ database: undefined as unknown as D1Binding }),
      isConfig(/\[\[d1_databases\]\]/),
    );
    assert.throws(() => d1Store({ database, table: 'x; DROP' }), isConfig(/plain SQL identifier/));
  });

  it('d1: the table is the SQLite store schema, version 2, in coatcheck_meta', async () => {
    const table = `schema_${process.pid}`;
    const store = d1Store({ database, table });
    await store.migrate();
    await store.migrate(); // idempotent
    const meta = await database
      .prepare('SELECT version FROM coatcheck_meta WHERE name = ?1')
      .bind(table)
      .all();
    assert.deepEqual(meta.results, [{ version: 2 }]);
    const columns = await database.prepare(`SELECT name FROM pragma_table_info('${table}')`).all();
    assert.deepEqual(
      columns.results?.map((row) => row.name),
      [
        'key',
        'user_id',
        'data',
        'created_at',
        'last_seen_at',
        'expires_at',
        'absolute_expires_at',
        'rev',
        'successor',
        'readable_until',
        'forward_writes',
      ],
    );
  });

  it('d1: a table of another schema version is refused, untouched', async () => {
    const table = `future_${process.pid}`;
    await d1Store({ database, table }).migrate();
    await database.prepare('UPDATE coatcheck_meta SET version = 3 WHERE name = ?1').bind(table).all();
    await assert.rejects(d1Store({ database, table }).get(randomKey()), isConfig(/schema version 3/));
  });

  it('d1: migrate false leaves the table to you', async () => {
    const store = d1Store({ database, table: `absent_${process.pid}`, migrate: false });
    await assert.rejects(store.get(randomKey()), /no such table/);
  });

  it('d1: a rotation is one batch: the old row forwards and the new one is rev 1, both or neither', async () => {
    const table = `rotation_${process.pid}`;
    const store = d1Store({ database, table });
    const user = randomUserId();
    const [oldKey, newKey] = [randomKey(), randomKey()];
    await store.create(oldKey, sampleRecord({ userId: user, data: { a: '1' } }));
    const limit = { max: 1, onLimit: 'reject' } as const;
    assert.equal(await store.rotate(oldKey, newKey, rotationOf({ limit }, user)), 'rotated');
    const rows = await database
      .prepare(`SELECT key, successor, rev, data FROM ${table} ORDER BY successor IS NULL`)
      .all();
    assert.deepEqual(rows.results, [
      { key: oldKey, successor: newKey, rev: 1, data: '{}' },
      { key: newKey, successor: null, rev: 1, data: '{"a":"1","rotated":"\\"yes\\""}' },
    ]);
    // Full user, reject: nothing at all is written by the refused rotation.
    const other = randomKey();
    await store.create(other, sampleRecord());
    const target = randomKey();
    assert.equal(await store.rotate(other, target, rotationOf({ limit }, user)), 'limit');
    const after = await database.prepare(`SELECT count(*) AS n FROM ${table}`).all();
    assert.deepEqual(after.results, [{ n: 3 }]);
    assert.notEqual(await store.get(other), undefined);
  });

  it('d1: the Worker in docs/stores/d1.md runs in workerd on the local D1', async () => {
    const bodies = await runDocWorker('docs/stores/d1.md', { d1Databases: ['DB'] }, async (worker) => {
      const db = await worker.getD1Database('DB');
      const rows = await db.prepare('SELECT count(*) AS n FROM coatcheck_sessions').all();
      assert.deepEqual(rows.results, [{ n: 1 }], 'one session row, written by the Worker');
    });
    assert.equal(bodies, 'visit 1\nvisit 2\n');
  });
});
