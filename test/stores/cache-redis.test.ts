/** The caching tier with Redis in front: conformance over PostgreSQL and MySQL back stores. */
import { after } from 'node:test';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { cacheStore } from '../../src/stores/cache.ts';
import { mysqlStore } from '../../src/stores/mysql.ts';
import { postgresStore } from '../../src/stores/postgres.ts';
import { redisStore } from '../../src/stores/redis.ts';
import { describeStoreConformance } from '../../src/testing/conformance.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';

const redisSkip = await serviceSkipReason('redis');
const pgSkip = redisSkip ?? (await serviceSkipReason('postgres'));
const mySkip = redisSkip ?? (await serviceSkipReason('mysql'));
const redis = redisSkip === undefined ? new Redis(serviceUrls.redis) : undefined;
const pgPool = pgSkip === undefined ? new pg.Pool({ connectionString: serviceUrls.postgres }) : undefined;
const myPool = mySkip === undefined ? mysql.createPool({ uri: serviceUrls.mysql }) : undefined;
const pgTable = uniqueName('cc_cache_rpg');
const myTable = uniqueName('cc_cache_rmy');
after(async () => {
  await pgPool?.query(`DROP TABLE IF EXISTS "${pgTable}", "${pgTable}_meta"`);
  await pgPool?.end();
  await myPool?.query(`DROP TABLE IF EXISTS \`${myTable}\`, \`${myTable}_meta\``);
  await myPool?.end();
  redis?.disconnect();
});

/** A Redis front with its own prefix per store, so tests never see each other's cached records. */
const redisFront = () => redisStore({ client: redis as Redis, prefix: `${uniqueName('cc_front')}:` });

describeStoreConformance({
  name: 'cache(redis→postgres)',
  skip: pgSkip,
  createStore: () =>
    cacheStore({ front: redisFront(), back: postgresStore({ pool: pgPool as pg.Pool, table: pgTable }) }),
});
describeStoreConformance({
  name: 'cache(redis→mysql)',
  skip: mySkip,
  createStore: () =>
    cacheStore({ front: redisFront(), back: mysqlStore({ pool: myPool as mysql.Pool, table: myTable }) }),
});
