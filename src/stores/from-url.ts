/**
 * `coatcheck/stores/from-url`: a store from one connection URL, for the CLI and for config files.
 *
 * Each scheme loads only its own store module and driver (dynamic `import()`), so a Redis URL never
 * loads `pg`. The store owns the client it creates from the URL and closes it in `close()`.
 */
import { ConfigError } from '../core/errors.ts';
import type { Store } from '../core/store.ts';

/** Store options a URL cannot carry. Each applies only to the stores that have it. */
export interface StoreFromUrlOptions {
  /** SQL table name (postgres, mysql, sqlite). */
  readonly table?: string;
  /** SQL schema (postgres). */
  readonly schema?: string;
  /** Create SQL tables lazily on first use (postgres, mysql). Default `true`. */
  readonly migrate?: boolean;
  /** Key prefix (redis, memcached). */
  readonly prefix?: string;
}

/** The schemes {@link storeFromUrl} understands, as shown in error messages. */
export const SUPPORTED_URLS = [
  'redis://host:port',
  'rediss://host:port',
  'redis+cluster://host1:port1,host2:port2',
  'postgres://user@host:port/db (or postgresql://)',
  'mysql://user@host:port/db (or mariadb://)',
  'memcached://host:port',
  'dynamodb://table?region=…[&endpoint=http://127.0.0.1:8000]',
  'sqlite:./file.db (or sqlite:///abs/path.db)',
  'file:./dir (or file:///abs/dir)',
  'memory:',
] as const;

function fail(url: string, problem: string): never {
  throw new ConfigError(`storeFromUrl(${JSON.stringify(redact(url))}): ${problem}`);
}

/** The URL with any password replaced, for error messages. */
function redact(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

/** Wraps `store` so that `close()` also releases the client created from the URL. */
function owning(store: Store, closeClient: () => Promise<unknown>): Store {
  const owned: Store = {
    name: store.name,
    get: (key) => store.get(key),
    create: (key, record, limit) => store.create(key, record, limit),
    update: (key, patch) => store.update(key, patch),
    touch: (key, window) => store.touch(key, window),
    rotate: (oldKey, newKey, rotation) => store.rotate(oldKey, newKey, rotation),
    delete: (key) => store.delete(key),
    async close() {
      await store.close();
      await closeClient();
    },
  };
  let closed: Promise<void> | undefined;
  const close = owned.close.bind(owned);
  owned.close = () => {
    closed ??= close();
    return closed;
  };
  if (store.listByUser && store.deleteByUser) {
    owned.listByUser = store.listByUser.bind(store);
    owned.deleteByUser = store.deleteByUser.bind(store);
  }
  if (store.purgeExpired) owned.purgeExpired = store.purgeExpired.bind(store);
  if (store.count) owned.count = store.count.bind(store);
  return Object.assign(Object.create(store) as object, owned) as Store;
}

/** Loads a driver, turning "not installed" into a ConfigError that names the package. */
async function driver<T>(url: string, name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') {
      fail(url, `this URL needs the "${name}" package: npm install ${name}`);
    }
    throw error;
  }
}

/** `host:port` pairs of a cluster URL, validated. */
function clusterNodes(url: string, hosts: string): { host: string; port: number }[] {
  if (hosts === '')
    fail(url, 'a cluster URL needs at least one host:port, e.g. redis+cluster://h1:7000,h2:7001');
  return hosts.split(',').map((pair) => {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(pair);
    const port = Number(match?.[2] ?? 6379);
    if (!match?.[1] || port < 1 || port > 65535) fail(url, `"${pair}" is not a valid host:port`);
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  });
}

/** The file path of `sqlite:./x`, `sqlite:/x` or `sqlite:///x` (also for `file:`). */
function pathOf(url: string, scheme: string): string {
  const rest = url.slice(scheme.length + 1);
  if (rest.startsWith('//')) {
    if (!rest.startsWith('///'))
      fail(url, `use ${scheme}:./relative or ${scheme}:///absolute/path (no host)`);
    return decodeURIComponent(rest.slice(2));
  }
  if (rest === '') fail(url, `the ${scheme}: URL names no path, e.g. ${scheme}:./sessions`);
  return decodeURIComponent(rest);
}

function parse(url: string): URL {
  try {
    return new URL(url);
  } catch {
    return fail(url, 'not a valid URL');
  }
}

function needsHost(url: string, parsed: URL): void {
  if (parsed.hostname === '') fail(url, 'the URL names no host');
}

async function redisFromUrl(url: string, scheme: string, options: StoreFromUrlOptions): Promise<Store> {
  const cluster = scheme.endsWith('+cluster');
  const match = /^[a-z+]+:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]*)/i.exec(url);
  const nodes = cluster ? clusterNodes(url, match?.[3] ?? '') : [];
  if (!cluster) needsHost(url, parse(url));
  const { redisStore } = await import('./redis.ts');
  const ioredis = await driver(url, 'ioredis', () => import('ioredis'));
  let client: InstanceType<typeof ioredis.Redis> | InstanceType<typeof ioredis.Cluster>;
  if (cluster) {
    const username = match?.[1] ? decodeURIComponent(match[1]) : undefined;
    const password = match?.[2] ? decodeURIComponent(match[2]) : undefined;
    client = new ioredis.Cluster(nodes, {
      redisOptions: {
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
        ...(scheme === 'rediss+cluster' ? { tls: {} } : {}),
      },
    });
  } else {
    // Queued commands fail after one reconnect attempt instead of piling up while Redis is down.
    client = new ioredis.Redis(url, { maxRetriesPerRequest: 1 });
  }
  // Connection errors surface through the store calls (as StoreUnavailableError); without a
  // listener ioredis would also print each failed reconnect as an "Unhandled error event".
  client.on('error', () => {});
  const store = redisStore({ client, ...(options.prefix === undefined ? {} : { prefix: options.prefix }) });
  return owning(store, () => client.quit());
}

async function postgresFromUrl(url: string, options: StoreFromUrlOptions): Promise<Store> {
  parse(url);
  const { postgresStore } = await import('./postgres.ts');
  const { default: pg } = await driver(url, 'pg', () => import('pg'));
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // An idle client's error (e.g. the server restarting) must not crash the process.
  pool.on('error', () => {});
  const store = postgresStore({
    pool,
    ...(options.table === undefined ? {} : { table: options.table }),
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(options.migrate === undefined ? {} : { migrate: options.migrate }),
  });
  return owning(store, () => pool.end());
}

async function mysqlFromUrl(url: string, scheme: string, options: StoreFromUrlOptions): Promise<Store> {
  const parsed = parse(url);
  needsHost(url, parsed);
  if (parsed.pathname.length <= 1) fail(url, 'the URL names no database, e.g. mysql://user@host:3306/app');
  const { mysqlStore } = await import('./mysql.ts');
  const { default: mysql } = await driver(url, 'mysql2', () => import('mysql2/promise'));
  const pool = mysql.createPool({ uri: `mysql:${url.slice(scheme.length + 1)}`, connectTimeout: 10_000 });
  const store = mysqlStore({
    pool,
    ...(options.table === undefined ? {} : { table: options.table }),
    ...(options.migrate === undefined ? {} : { migrate: options.migrate }),
  });
  return owning(store, () => pool.end());
}

async function memcachedFromUrl(url: string, options: StoreFromUrlOptions): Promise<Store> {
  const parsed = parse(url);
  needsHost(url, parsed);
  const { memcachedStore } = await import('./memcached.ts');
  const { MemcacheClient } = await driver(url, 'memcache-client', () => import('memcache-client'));
  // memcache-client queues calls without a bound until `cmdTimeout` (default 5 s) and waits for an
  // unanswered connect for the OS's timeout: both under core's 2 s deadline, so a hung memcached
  // fails its calls, and drains its queue, about as fast as core gives up on them.
  const client = new MemcacheClient({
    server: `${parsed.hostname}:${parsed.port || '11211'}`,
    cmdTimeout: 1500,
    connectTimeout: 1500,
  });
  const store = memcachedStore({
    client,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
  });
  return owning(store, async () => client.shutdown());
}

/**
 * `dynamodb://<table>?region=…&endpoint=…`: credentials come from the SDK's usual chain (env,
 * profile, role), except for an endpoint on loopback (dynalite, DynamoDB Local), which gets
 * placeholder ones. The request timeout is set under core's 2 s store deadline.
 */
async function dynamoDbFromUrl(url: string): Promise<Store> {
  const parsed = parse(url);
  const tableName = decodeURIComponent(parsed.host);
  if (tableName === '') fail(url, 'the URL names no table, e.g. dynamodb://sessions?region=eu-west-1');
  const endpoint = parsed.searchParams.get('endpoint') ?? undefined;
  const region = parsed.searchParams.get('region') ?? undefined;
  const loopback =
    endpoint !== undefined && /^https?:\/\/(127\.|localhost[:/]|localhost$|\[::1\])/.test(endpoint);
  const { dynamoDbStore } = await import('./dynamodb.ts');
  const sdk = await driver(url, '@aws-sdk/client-dynamodb', () => import('@aws-sdk/client-dynamodb'));
  const client = new sdk.DynamoDBClient({
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(loopback ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    requestHandler: { requestTimeout: 1500 },
  });
  return owning(dynamoDbStore({ client, tableName }), async () => client.destroy());
}

/**
 * Creates a store from a URL. The store owns the client it creates and closes it in `close()`.
 *
 * | URL | Store | Driver |
 * | --- | --- | --- |
 * | `redis://[user:pass@]host:port[/db]`, `rediss://…` | redis | ioredis |
 * | `redis+cluster://[user:pass@]h1:p1,h2:p2` | redis (Cluster) | ioredis |
 * | `postgres://…`, `postgresql://…` | postgres | pg |
 * | `mysql://…/db`, `mariadb://…/db` | mysql | mysql2 |
 * | `memcached://host:port` | memcached | memcache-client |
 * | `dynamodb://table?region=…&endpoint=…` | dynamodb | @aws-sdk/client-dynamodb |
 * | `sqlite:./file.db`, `sqlite:///abs/path.db` | sqlite | better-sqlite3 |
 * | `file:./dir`, `file:///abs/dir` | fs | none |
 * | `memory:` | memory | none |
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) naming the problem: an unparseable URL, an unknown scheme
 * (the message lists the supported ones), a missing host, port, database or path, or a driver that
 * is not installed.
 * @example
 * const store = await storeFromUrl(process.env.SESSION_STORE_URL ?? 'memory:');
 */
export async function storeFromUrl(url: string, options: StoreFromUrlOptions = {}): Promise<Store> {
  if (typeof url !== 'string' || url.trim() === '') fail(String(url), 'the URL is empty');
  const colon = url.indexOf(':');
  const scheme = colon > 0 ? url.slice(0, colon).toLowerCase() : '';
  switch (scheme) {
    case 'redis':
    case 'rediss':
    case 'redis+cluster':
    case 'rediss+cluster':
      return redisFromUrl(url, scheme, options);
    case 'postgres':
    case 'postgresql':
      return postgresFromUrl(url, options);
    case 'mysql':
    case 'mariadb':
      return mysqlFromUrl(url, scheme, options);
    case 'memcached':
      return memcachedFromUrl(url, options);
    case 'dynamodb':
      return dynamoDbFromUrl(url);
    case 'sqlite': {
      const database = pathOf(url, scheme);
      const { sqliteStore } = await import('./sqlite.ts');
      return sqliteStore({ database, ...(options.table === undefined ? {} : { table: options.table }) });
    }
    case 'file': {
      const directory = pathOf(url, scheme);
      const { fsStore } = await import('./fs.ts');
      return fsStore({ directory });
    }
    case 'memory': {
      if (url.length > 'memory:'.length) fail(url, 'memory: takes no host or path; use exactly "memory:"');
      const { memoryStore } = await import('./memory.ts');
      return memoryStore();
    }
    default:
      return fail(url, `unknown scheme "${scheme}". Supported: ${SUPPORTED_URLS.join(', ')}.`);
  }
}
