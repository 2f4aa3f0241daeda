/**
 * What every HTTP benchmark variant is: a module under `variants/` exporting `start(ctx)`, which
 * serves the four routes on 127.0.0.1 (port 0) and says which port it got.
 *
 * Routes, identical in every variant:
 * - `GET /read`      reads the counter, changes nothing;
 * - `GET /write`     reads the counter and stores it plus one;
 * - `GET /new`       (sent without a cookie) stores `count = 1`, so a session is created;
 * - `GET /untouched` never touches the session.
 */
import type { Server } from 'node:http';

/** Where the variant finds its services; the orchestrator passes it in BENCH_CONTEXT. */
export interface BenchContext {
  /** The bench's own Redis server (a spare port, so other Redis users do not pollute counts). */
  readonly redisUrl: string;
  /** PostgreSQL connection string. */
  readonly postgresUrl: string;
  /** A private PostgreSQL table name for this run. */
  readonly postgresTable: string;
  /** A private SQLite file for this run. */
  readonly sqlitePath: string;
  /** Signing secret for express-session / @fastify/session (both require one; 32+ characters). */
  readonly secret: string;
}

/** A started variant. */
export interface RunningVariant {
  readonly port: number;
  close(): Promise<void>;
}

/** The signature of every variant module's `start` export. */
export type StartVariant = (ctx: BenchContext) => Promise<RunningVariant>;

/** Cookie name used by every session variant, so the orchestrator can find it. */
export const COOKIE_NAME = 'sid';

/** The counter as a route body: the same bytes in every variant. */
export function body(count: unknown): string {
  return typeof count === 'number' ? String(count) : '0';
}

/** Listens on an ephemeral loopback port and returns the running variant. */
export function listen(
  server: Server,
  cleanup: () => Promise<void> = async () => {},
): Promise<RunningVariant> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      resolve({
        port,
        close: async () => {
          server.closeAllConnections();
          await new Promise<void>((done) => server.close(() => done()));
          await cleanup();
        },
      });
    });
  });
}
