/**
 * The enumerating CLI commands against a real MySQL/MariaDB server, in a table unique to this run.
 */
import mysql from 'mysql2/promise';
import { mysqlStore } from '../../src/stores/mysql.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';
import { describeScanCli } from './scan-cases.ts';

const skip = await serviceSkipReason('mysql');
const table = uniqueName('cc_cli');
const pool =
  skip === undefined ? mysql.createPool({ uri: serviceUrls.mysql, connectionLimit: 2 }) : undefined;

describeScanCli({
  name: 'mysql',
  skip,
  args: ['--store', serviceUrls.mysql, '--table', table],
  open: () => mysqlStore({ pool: pool as mysql.Pool, table, pruneIntervalMs: 0 }),
  async cleanup() {
    await pool?.query(`DROP TABLE IF EXISTS \`${table}\`, \`${table}_meta\``);
    await pool?.end();
  },
});
