/**
 * Opening a store for the CLI: a TCP check first (so an unreachable server is a clear message in
 * a second, not a driver retrying), then `storeFromUrl`, then one round trip to prove it answers.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { ConfigError, StoreUnavailableError } from '../core/errors.ts';
import type { Store } from '../core/store.ts';
import { callStore } from '../core/store-call.ts';
import { storeFromUrl } from '../stores/from-url.ts';
import type { CliArgs } from './args.ts';

/** An open store, with the CLI's deadline around every call. */
export interface Connection {
  readonly store: Store;
  readonly url: string;
  /** Runs a store call within the `--timeout` deadline (or `timeoutMs`). */
  call<T>(operation: string, run: () => Promise<T>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

const DEFAULT_PORTS: Record<string, number> = {
  redis: 6379,
  rediss: 6379,
  postgres: 5432,
  postgresql: 5432,
  mysql: 3306,
  mariadb: 3306,
  memcached: 11211,
};

/** The file path of a `sqlite:` URL, as from-url reads it. */
export function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length);
  return decodeURIComponent(rest.startsWith('///') ? rest.slice(2) : rest);
}

/** A store key that cannot exist: the shape core uses (43 base64url characters). */
export function probeKey(): string {
  return randomBytes(32).toString('base64url');
}

function reachable(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

async function preflight(url: string, mustExist: boolean, timeoutMs: number): Promise<void> {
  const scheme = url.slice(0, Math.max(0, url.indexOf(':'))).toLowerCase();
  if (scheme === 'sqlite' && mustExist) {
    const path = sqlitePath(url);
    if (path !== ':memory:' && !existsSync(path))
      throw new StoreUnavailableError(
        'open',
        `No SQLite database at ${path} (run \`coatcheck migrate\` to create one).`,
      );
  }
  const port = DEFAULT_PORTS[scheme];
  if (port === undefined) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return; // storeFromUrl reports the bad URL with the supported forms
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === '') return;
  const target = `${host}:${parsed.port || port}`;
  const problem = await reachable(host, Number(parsed.port || port), timeoutMs);
  if (problem !== undefined)
    throw new StoreUnavailableError('connect', `Cannot reach the ${scheme} server at ${target}: ${problem}.`);
}

/**
 * Opens the store named by `args.store`. `mustExist`: a SQLite file must already exist (every
 * command but `migrate`, so a typo does not create an empty database).
 * @throws ConfigError for a bad URL, StoreUnavailableError when the store cannot be reached.
 */
export async function connect(args: CliArgs, mustExist: boolean): Promise<Connection> {
  await preflight(args.store, mustExist, args.timeoutMs);
  const store = await storeFromUrl(args.store, {
    ...(args.table === undefined ? {} : { table: args.table }),
    ...(args.prefix === undefined ? {} : { prefix: args.prefix }),
  });
  const call = <T>(operation: string, run: () => Promise<T>, timeoutMs = args.timeoutMs) =>
    callStore(store.name, operation, timeoutMs, run);
  // A hung server never answers QUIT either: closing is bounded, and the CLI exits anyway.
  const close = async () => {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.min(args.timeoutMs, 2000));
    });
    await Promise.race([Promise.allSettled([store.close()]), bound]);
    clearTimeout(timer);
  };
  try {
    if (args.command !== 'migrate') await call('get', () => store.get(probeKey()));
  } catch (error) {
    await close();
    if (error instanceof ConfigError || error instanceof StoreUnavailableError) throw error;
    throw new StoreUnavailableError(
      'open',
      `Cannot open the store: ${(error as Error).message ?? error}`,
      error,
    );
  }
  return { store, url: args.store, call, close };
}
