import { after, describe, it } from 'node:test';
import pg from 'pg';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';
import { runMultiProcess } from './postgres-multiprocess-harness.ts';

const skip = await serviceSkipReason('postgres');
const table = uniqueName('cc_mp_pg');
after(async () => {
  if (skip !== undefined) return;
  const pool = new pg.Pool({ connectionString: serviceUrls.postgres });
  await pool.query(`DROP TABLE IF EXISTS "${table}", "${table}_meta"`);
  await pool.end();
});

describe('postgres across 3 app processes', skip === undefined ? {} : { skip }, () => {
  it('postgres: 2 000 round-robin writes over 100 sessions, one process killed mid-run, 0 lost', async (t) => {
    const result = await runMultiProcess(serviceUrls.postgres, table);
    t.diagnostic(JSON.stringify(result));
  });
});
