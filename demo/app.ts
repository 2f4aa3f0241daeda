/**
 * Builds the demo: the SQLite file (users, and sessions unless `COATCHECK_STORE` names another
 * store), the session manager and the node:http server.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { withSessions } from '../src/adapters/node.ts';
import { createSessions, type SessionCookieOptions, type Store } from '../src/index.ts';
import { storeFromUrl } from '../src/stores/from-url.ts';
import { sqliteStore } from '../src/stores/sqlite.ts';
import type { DemoApp, DemoData } from './context.ts';
import { route } from './router.ts';
import { startTelemetry } from './telemetry.ts';
import { openUsers } from './users.ts';

/** Options of {@link createDemo}. */
export interface DemoOptions {
  /** SQLite file for users (and sessions by default). Default `./data/sessions.db`. */
  readonly database?: string;
  /** A store URL (`redis://…`, `postgres://…`, `sqlite:./x.db`…) for the sessions instead of the SQLite file. */
  readonly storeUrl?: string;
  /** `true` for production: `__Host-sid`, Secure. Default: NODE_ENV is `production`. */
  readonly production?: boolean;
  /** The origin forms must come from. Default `http://<Host header>`. */
  readonly origin?: string;
  /** The username allowed on `/admin`. Default `DEMO_ADMIN`, else `admin`. */
  readonly adminName?: string;
  /** How often the admin page's metrics are sampled (ms). Default 5000. */
  readonly sampleEveryMs?: number;
}

/** A built demo: the server (not listening yet), what it was configured with, and `close()`. */
export interface Demo {
  readonly server: Server;
  readonly cookie: Required<Pick<SessionCookieOptions, 'name' | 'secure'>>;
  readonly storeLabel: string;
  close(): Promise<void>;
}

/** Creates the demo app. */
export async function createDemo(options: DemoOptions = {}): Promise<Demo> {
  const file = options.database ?? './data/sessions.db';
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const users = openUsers(db);

  let store: Store;
  let storeLabel: string;
  if (options.storeUrl === undefined || options.storeUrl === '') {
    const sqlite = sqliteStore({ database: db });
    await sqlite.migrate();
    store = sqlite;
    storeLabel = `sqlite (${file})`;
  } else {
    store = await storeFromUrl(options.storeUrl);
    storeLabel = `${store.name} (${options.storeUrl.replace(/\/\/[^@/]*@/, '//***@')})`;
  }

  const production = options.production ?? process.env.NODE_ENV === 'production';
  // Over plain http a Secure cookie would never come back, and `__Host-` requires Secure.
  const cookie = production ? { name: '__Host-sid', secure: true } : { name: 'sid', secure: false };
  const sessions = createSessions<DemoData>({
    store,
    idleTimeout: '30m',
    absoluteTimeout: '7d',
    rememberMe: '30d',
    cookie: { ...cookie, sameSite: 'lax', httpOnly: true, path: '/' },
  });
  const telemetry = startTelemetry(sessions, options.sampleEveryMs);
  const app: DemoApp = {
    sessions,
    users,
    cookieName: cookie.name,
    storeLabel,
    origin: options.origin,
    store,
    telemetry,
    adminName: options.adminName ?? process.env.DEMO_ADMIN ?? 'admin',
  };

  const server = createServer(
    withSessions(sessions, (req, res, session) =>
      route({ app, req, res, session, url: new URL(req.url ?? '/', 'http://demo.invalid') }),
    ),
  );
  return {
    server,
    cookie,
    storeLabel,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await telemetry.close();
      await sessions.close();
      db.close();
    },
  };
}
