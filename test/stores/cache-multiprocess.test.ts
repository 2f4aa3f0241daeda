import { after, describe, it } from 'node:test';
import pg from 'pg';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';
import { runMultiProcess } from './postgres-multiprocess-harness.ts';

const skip = (await serviceSkipReason('postgres')) ?? (await serviceSkipReason('redis'));
const table = uniqueName('cc_mp_cache');
after(async () => {
  if (skip !== undefined) return;
  const pool = new pg.Pool({ connectionString: serviceUrls.postgres });
  await pool.query(`DROP TABLE IF EXISTS "${table}", "${table}_meta"`);
  await pool.end();
});

describe(
  'cache(memory→postgres) with pub/sub across 3 app processes',
  skip === undefined ? {} : { skip },
  () => {
    it('cache(memory→postgres): 2 000 round-robin writes over 100 sessions, one process killed, 0 lost', async (t) => {
      const result = await runMultiProcess(serviceUrls.postgres, table, 'cache');
      t.diagnostic(JSON.stringify(result));
    });
  },
);
