/**
 * Redis and Redis Cluster across 3 app processes (the shared multi-process harness): 2 000
 * round-robin writes over 100 sessions, one process killed mid-run, not one write lost. The apps
 * build their store with storeFromUrl, hence the default `coatcheck:` prefix (keys are random).
 */
import { after, describe, it } from 'node:test';
import {
  type RedisClusterHandle,
  redisClusterAvailable,
  startRedisCluster,
} from '../support/redis-cluster.ts';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';
import { runMultiProcess } from './postgres-multiprocess-harness.ts';

const skip = await serviceSkipReason('redis');
const clusterSkip = (await redisClusterAvailable())
  ? undefined
  : 'redis-server and redis-cli are not installed';

describe('redis across 3 app processes', skip === undefined ? {} : { skip }, () => {
  it('redis: 2 000 round-robin writes over 100 sessions, one process killed mid-run, 0 lost', async (t) => {
    const result = await runMultiProcess(serviceUrls.redis, uniqueName('unused'));
    t.diagnostic(JSON.stringify(result));
  });
});

describe(
  'redis cluster across 3 app processes',
  clusterSkip === undefined ? {} : { skip: clusterSkip },
  () => {
    let cluster: RedisClusterHandle | undefined;
    after(() => cluster?.stop());
    it('redis-cluster: 2 000 round-robin writes over 100 sessions, one process killed mid-run, 0 lost', async (t) => {
      cluster = await startRedisCluster();
      const hosts = cluster.nodes.map(({ host, port }) => `${host}:${port}`).join(',');
      const result = await runMultiProcess(`redis+cluster://${hosts}`, uniqueName('unused'));
      t.diagnostic(JSON.stringify(result));
    });
  },
);
