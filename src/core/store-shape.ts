/**
 * The `store` option checked at `createSessions`, so a wrong value fails at start-up with the fix
 * instead of as a 503 "store.create is not a function" at the first write. The common mistakes
 * (a raw driver client, a Map, a missing `await`, a factory not called, an express-session store)
 * are recognised by their shape, with no driver imported.
 */
import { ConfigError } from './errors.ts';
import type { Store } from './store.ts';

/** The methods every Store has (the required part of the contract in store.ts). */
const REQUIRED = ['get', 'create', 'update', 'touch', 'rotate', 'delete', 'close'] as const;

const OPTION = 'Option `store`';

type Shape = Record<string, unknown>;

const has = (value: Shape, ...methods: string[]) =>
  methods.every((name) => typeof value[name] === 'function');

/** A driver client or other object mistaken for a store: what it looks like and what to pass instead. */
function recognise(value: Shape): string | undefined {
  if (value instanceof Map || value instanceof WeakMap)
    return 'is a Map, not a Store: use `memoryStore()` from coatcheck/stores/memory (it also expires sessions and bounds memory)';
  if (has(value, 'evalsha', 'defineCommand')) {
    const kind = value.isCluster === true ? 'an ioredis Cluster' : 'an ioredis client';
    return `looks like ${kind}: pass \`redisStore({ client })\` from coatcheck/stores/redis`;
  }
  if (has(value, 'sendCommand', 'evalSha')) {
    const kind = has(value, 'nodeClient') ? 'a node-redis cluster' : 'a node-redis client';
    const connect = value.isOpen === false ? ' (after `await client.connect()`)' : '';
    return `looks like ${kind}: pass \`redisStore({ client })\` from coatcheck/stores/redis${connect}`;
  }
  if (has(value, 'query', 'connect', 'end') && ('totalCount' in value || 'connectionParameters' in value)) {
    const kind = 'totalCount' in value ? 'a pg Pool' : 'a pg Client';
    return `looks like ${kind}: pass \`postgresStore({ pool })\` from coatcheck/stores/postgres`;
  }
  if (has(value, 'query', 'execute')) {
    const kind = has(value, 'getConnection') ? 'pool' : 'connection';
    // mysql2's callback API has .promise(); the store needs the promise API.
    const fix = has(value, 'promise')
      ? `\`mysqlStore({ pool: ${kind}.promise() })\` (the store needs mysql2's promise API)`
      : '`mysqlStore({ pool })`';
    return `looks like a mysql2 ${kind}: pass ${fix} from coatcheck/stores/mysql`;
  }
  if (has(value, 'prepare', 'pragma', 'transaction'))
    return 'looks like a better-sqlite3 Database: pass `sqliteStore({ database })` from coatcheck/stores/sqlite';
  if (has(value, 'cmd', 'get', 'set') && !has(value, 'create'))
    return 'looks like a memcache-client MemcacheClient: pass `memcachedStore({ client })` from coatcheck/stores/memcached';
  if (has(value, 'regenerate', 'createSession', 'load'))
    return 'looks like an express-session store (connect-redis, connect-pg-simple, …), which coatcheck cannot drive: use a coatcheck store (e.g. `redisStore({ client })`), and `expressSessionMigration` from coatcheck/express to keep reading the old sessions while you switch';
  return undefined;
}

/** Why `value` is not a Store, or `undefined` when it has a Store's shape. */
export function storeProblem(value: unknown): string | undefined {
  if (value === undefined || value === null)
    return `${OPTION} is required: pass a Store, e.g. \`memoryStore()\` from coatcheck/stores/memory.`;
  if (typeof (value as { then?: unknown }).then === 'function')
    return `${OPTION} is a Promise: \`await\` it first (\`store: await storeFromUrl(url)\`).`;
  if (typeof value === 'function') {
    const name = value.name === '' ? 'yourStore' : value.name;
    return `${OPTION} is a function, not a Store: call it (\`store: ${name}()\`).`;
  }
  if (typeof value === 'string')
    return `${OPTION} is a string: to open a store from a URL, pass \`await storeFromUrl(${JSON.stringify(value.replace(/\/\/[^@/]*@/, '//…@'))})\` from coatcheck/stores/from-url.`;
  if (typeof value !== 'object') return `${OPTION} must be a Store object, not ${typeof value}.`;
  const shape = value as Shape;
  const missing: string[] = REQUIRED.filter((method) => typeof shape[method] !== 'function');
  if (typeof shape.name !== 'string') missing.unshift('name');
  // A whole Store shape wins over any resemblance (a store may well have a `query` of its own).
  if (missing.length === 0) return undefined;
  const looks = recognise(shape);
  if (looks !== undefined) return `${OPTION} ${looks}.`;
  const older =
    missing.length === 1 && missing[0] === 'rotate'
      ? ' It looks written for the Store contract before `rotate`: update it (coatcheck/testing checks a store).'
      : '';
  return `${OPTION} is not a Store: it lacks ${missing.join(', ')}. A Store needs a \`name\` and get/create/update/touch/rotate/delete/close (the \`Store\` type of coatcheck documents each).${older}`;
}

/**
 * Checks that `value` can serve as the `store` option.
 * @throws ConfigError (`COATCHECK_CONFIG`) naming the mistake and the fix, e.g. "Option `store`
 *   looks like an ioredis client: pass `redisStore({ client })` from coatcheck/stores/redis."
 * @example assertStore(options.store); // in resolveOptions, before anything else uses it
 */
export function assertStore(value: unknown): asserts value is Store {
  const problem = storeProblem(value);
  if (problem !== undefined) throw new ConfigError(problem);
}
