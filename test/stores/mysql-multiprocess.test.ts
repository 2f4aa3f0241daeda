import { after, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';
import { runMultiProcess } from './postgres-multiprocess-harness.ts';

const skip = await serviceSkipReason('mysql');
const table = uniqueName('cc_mp_my');
after(async () => {
  if (skip !== undefined) return;
  const pool = mysql.createPool({ uri: serviceUrls.mysql });
  await pool.query(`DROP TABLE IF EXISTS \`${table}\`, \`${table}_meta\``);
  await pool.end();
});

describe('mysql across 3 app processes', skip === undefined ? {} : { skip }, () => {
  it('mysql: 2 000 round-robin writes over 100 sessions, one process killed mid-run, 0 lost', async (t) => {
    const result = await runMultiProcess(serviceUrls.mysql, table);
    t.diagnostic(JSON.stringify(result));
  });
});
