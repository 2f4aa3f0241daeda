/**
 * The MemcacheClient the memcached test files share: one per file, at the service URL, shut down
 * after the file; `undefined` when the suites are skipped.
 */
import { after } from 'node:test';
import { MemcacheClient } from 'memcache-client';
import { serviceUrls } from './services.ts';

export function memcachedTestClient(skip: string | undefined): MemcacheClient | undefined {
  if (skip !== undefined) return undefined;
  const url = new URL(serviceUrls.memcached);
  const client = new MemcacheClient({ server: `${url.hostname}:${url.port || '11211'}`, cmdTimeout: 5000 });
  after(() => client.shutdown());
  return client;
}
