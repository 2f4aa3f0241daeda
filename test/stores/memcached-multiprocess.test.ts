/**
 * memcached across 3 app processes (the shared multi-process harness): 2 000 round-robin writes
 * over 100 sessions, one process killed mid-run, not one write lost (CAS retries under contention).
 */
import { describe, it } from 'node:test';
import { serviceSkipReason, serviceUrls, uniqueName } from '../support/services.ts';
import { runMultiProcess } from './postgres-multiprocess-harness.ts';

const skip = await serviceSkipReason('memcached');

describe('memcached across 3 app processes', skip === undefined ? {} : { skip }, () => {
  it('memcached: 2 000 round-robin writes over 100 sessions, one process killed mid-run, 0 lost', async (t) => {
    const result = await runMultiProcess(serviceUrls.memcached, uniqueName('unused'));
    t.diagnostic(JSON.stringify(result));
  });
});
