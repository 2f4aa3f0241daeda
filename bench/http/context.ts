/**
 * The BenchContext of one bench run, built the same way by every orchestrator (run-http.ts,
 * baseline.ts, bench/instructions), with what closing the run must remove.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VARIANTS } from './catalog.ts';
import type { BenchContext } from './variant.ts';

/**
 * A fresh context: private SQLite file and PostgreSQL table names for this process, a new
 * signing secret, and no Redis yet (the caller adds `redisUrl` once its Redis answers).
 */
export function benchContext(tablePrefix: string): BenchContext {
  const tag = `${process.pid}_${randomBytes(3).toString('hex')}`;
  return {
    redisUrl: '',
    postgresUrl: process.env.COATCHECK_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    postgresTable: `${tablePrefix}_${tag}`,
    sqlitePath: join(tmpdir(), `coatcheck-bench-${tag}.db`),
    secret: randomBytes(32).toString('hex'),
  };
}

/** Whether any of the variants `ids` runs on the bench's own Redis. */
export function needsRedis(ids: Iterable<string>): boolean {
  const wanted = new Set(ids);
  return VARIANTS.some((variant) => wanted.has(variant.id) && variant.counted === 'redis');
}

/** Removes the run's SQLite file (the PostgreSQL variants drop their own tables when they close). */
export function removeBenchFiles(ctx: BenchContext): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${ctx.sqlitePath}${suffix}`, { force: true });
}
