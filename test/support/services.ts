/**
 * Where the network services our tests talk to live, and what to do when one is missing.
 *
 * Every URL comes from an environment variable with the local default. Without
 * COATCHECK_REQUIRE_SERVICES, a suite whose server is unreachable is skipped with one clear line;
 * with COATCHECK_REQUIRE_SERVICES=1 (as .ci/run sets it) the same situation fails the run.
 */
import { createConnection } from 'node:net';

export const serviceUrls = {
  redis: process.env.COATCHECK_REDIS_URL ?? 'redis://127.0.0.1:6379',
  postgres: process.env.COATCHECK_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mysql: process.env.COATCHECK_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
  memcached: process.env.COATCHECK_MEMCACHED_URL ?? 'memcached://127.0.0.1:11211',
} as const;

export type ServiceName = keyof typeof serviceUrls;

export const servicesRequired = process.env.COATCHECK_REQUIRE_SERVICES === '1';

/** Resolves true when a TCP connection to host:port opens within `timeoutMs`. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Checks that the named service answers. Returns `undefined` when it does, or a skip reason for
 * `describe(..., { skip })` when it does not; throws instead when services are required.
 */
export async function serviceSkipReason(name: ServiceName): Promise<string | undefined> {
  const url = new URL(serviceUrls[name]);
  const defaults: Record<ServiceName, number> = {
    redis: 6379,
    postgres: 5432,
    mysql: 3306,
    memcached: 11211,
  };
  const port = url.port ? Number(url.port) : defaults[name];
  const host = url.hostname || '127.0.0.1';
  if (await canConnect(host, port)) return undefined;
  const message = `${name} is not reachable at ${host}:${port}`;
  if (servicesRequired) throw new Error(`${message} and COATCHECK_REQUIRE_SERVICES=1 is set`);
  console.log(`# SKIP ${name} suites: ${message} (set COATCHECK_${name.toUpperCase()}_URL or start it)`);
  return message;
}

/** A name unique to this test process, for key prefixes and table names that must not collide. */
export function uniqueName(base: string): string {
  return `${base}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}
