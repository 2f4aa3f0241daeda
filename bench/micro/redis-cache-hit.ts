/**
 * What a Redis `cache` hit costs beside a plain `get` (one HGETALL), and what the hit path's one
 * `setImmediate` costs by itself. Run from the repository root on a local Redis:
 *   node --import tsx bench/micro/redis-cache-hit.ts
 * Sequential awaits (latency per read, not throughput); figures go to docs/BENCHMARKS.md.
 */
import { Redis } from 'ioredis';
import { redisStore } from '../../src/stores/redis.ts';
import { randomKey, sampleRecord } from '../../src/testing/records.ts';

const READS = 20_000;
const client = new Redis(process.env.COATCHECK_REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `cc-bench-cache-${process.pid}:`;
const plain = redisStore({ client, prefix });
const cached = redisStore({ client, prefix, cache: {} });
while (cached.cacheStats()?.tracking !== true) await new Promise((resolve) => setTimeout(resolve, 10));
const key = randomKey();
await plain.create(key, sampleRecord());
await new Promise((resolve) => setTimeout(resolve, 50)); // the create's own invalidation
await cached.get(key);

async function time(name: string, read: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 1000; i++) await read(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < READS; i++) await read();
  const micros = Number(process.hrtime.bigint() - start) / 1000 / READS;
  console.log(`${name.padEnd(34)} ${micros.toFixed(2)} µs/read`);
}

await time('get, no cache (HGETALL)', () => plain.get(key));
await time('get, cache hit', () => cached.get(key));
await time('setImmediate alone', () => new Promise((resolve) => setImmediate(resolve)));
console.log(JSON.stringify(cached.cacheStats()));
await plain.delete(key);
await cached.close();
await client.quit();
