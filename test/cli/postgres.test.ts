/**
 * The enumerating CLI commands against a real PostgreSQL server, in a table unique to this run.
 */
import pg from 'pg';
import { postgresStore } from '../../src/stores/postgres.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';
import { describeScanCli } from './scan-cases.ts';

const skip = await serviceSkipReason('postgres');
const table = uniqueName('cc_cli');
const pool = skip === undefined ? new pg.Pool({ connectionString: serviceUrls.postgres, max: 2 }) : undefined;

describeScanCli({
  name: 'postgres',
  skip,
  args: ['--store', serviceUrls.postgres, '--table', table],
  open: () => postgresStore({ pool: pool as pg.Pool, table, pruneIntervalMs: 0 }),
  async cleanup() {
    await pool?.query(`DROP TABLE IF EXISTS "${table}", "${table}_meta"`);
    await pool?.end();
  },
});
