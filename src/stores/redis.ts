/**
 * `coatcheck/stores/redis`: sessions in Redis or Valkey, standalone or Cluster, through the client
 * you already have: an ioredis `Redis` or `Cluster`, or a node-redis (v5, v6) client or cluster.
 *
 * One hash per session, expired by the server itself (`PEXPIREAT`); create, update, touch and
 * delete are one-key Lua scripts, hence atomic and one round trip each, and valid on Cluster
 * (every script touches one key, so one hash slot). A patch is applied field by field inside the
 * script, so concurrent requests that change different keys never lose each other's writes.
 * The per-user index is a sorted set per user, maintained by separate one-key operations ordered so
 * that nothing is ever missing from it (see `redis/user-index.ts`).
 *
 * This module imports no driver: clients are recognised by their methods.
 */
import { ConfigError } from '../core/errors.ts';
import type {
  NewStoreRecord,
  Store,
  StoreEntry,
  StorePatch,
  StoreRecord,
  StoreTouch,
} from '../core/store.ts';
import { type RedisClientLike, type RedisDriver, redisDriver } from './redis/driver.ts';
import { DATA, recordFields, recordFromHash } from './redis/record-hash.ts';
import { globLiteral, scanSessions } from './redis/scan.ts';
import { CREATE, DELETE, DELETE_OWNED, TOUCH, UPDATE } from './redis/scripts.ts';
import { type IndexMember, type UserIndex, userIndex } from './redis/user-index.ts';

export type {
  IoRedisLike,
  NodeRedisClientLike,
  NodeRedisClusterLike,
  RedisClientLike,
} from './redis/driver.ts';

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * A connected client: ioredis `new Redis()` / `new Cluster()`, or node-redis `createClient()` /
   * `createCluster()` after `connect()`. Left open by `close()`. Do not set ioredis `keyPrefix` on
   * it (use `prefix`): SCAN-based `count()` and `purgeExpired()` would not see prefixed keys.
   */
  readonly client: RedisClientLike;
  /**
   * Prefix of every key the store writes: `<prefix>s:<key>` per session, `<prefix>u:<userId>` per
   * user. Default `coatcheck:`. Avoid `{…}` in it on Cluster: a hash tag would put every session
   * into one slot.
   */
  readonly prefix?: string;
}

/** A Redis store: every capability. `purgeExpired` returns 0 (Redis expires sessions itself). */
export type RedisStore = Store &
  Required<Pick<Store, 'listByUser' | 'deleteByUser' | 'purgeExpired' | 'count' | 'scan'>>;

/** Runs `task` over `items`, at most `width` at a time, keeping order. */
async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) {
    results.push(...(await Promise.all(items.slice(i, i + width).map(task))));
  }
  return results;
}

/**
 * Creates a Redis session store.
 *
 * Round trips: get 1 (HGETALL); create 1 (+1 with a userId: the index add); update 1 (+1 to +2
 * when it changes the owner); touch 1; delete 1 (+1 when the session had an owner).
 *
 * @throws ConfigError (`COATCHECK_CONFIG`) when `client` is not an ioredis or node-redis client or
 * cluster, or `prefix` is not a string.
 * @example
 * import { Redis } from 'ioredis';
 * const store = redisStore({ client: new Redis(process.env.REDIS_URL), prefix: 'myapp:' });
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const driver = options.client ? redisDriver(options.client) : undefined;
  if (driver === undefined) {
    throw new ConfigError(
      'redisStore: `client` must be an ioredis Redis or Cluster, or a node-redis client or cluster (createClient/createCluster)',
    );
  }
  const prefix = options.prefix ?? 'coatcheck:';
  if (typeof prefix !== 'string')
    throw new ConfigError('redisStore: `prefix` must be a string, e.g. "myapp:"');
  const sessionKey = (key: string) => `${prefix}s:${key}`;
  const index = userIndex(driver, prefix);

  const read = async (key: string): Promise<StoreRecord | undefined> => {
    const name = sessionKey(key);
    return recordFromHash(await driver.command(name, ['HGETALL', name]));
  };

  return {
    name: 'redis',

    async get(key) {
      const record = await read(key);
      return record && record.expiresAt > Date.now() ? record : undefined;
    },

    async create(key, record: NewStoreRecord) {
      const now = Date.now();
      // Index first: a crash between the two steps leaves a dangling member, never an unlisted session.
      if (record.userId !== null && record.expiresAt > now) {
        await index.add(record.userId, key, Math.max(record.expiresAt, record.absoluteExpiresAt));
      }
      const name = sessionKey(key);
      const args = [String(now), String(record.expiresAt), ...recordFields(record)];
      return Number(await driver.script(CREATE, name, args)) === 1;
    },

    update: (key, patch) => update(driver, index, sessionKey(key), key, patch),

    async touch(key, window: StoreTouch) {
      const args = [String(Date.now()), String(window.expiresAt), String(window.lastSeenAt)];
      return Number(await driver.script(TOUCH, sessionKey(key), args)) === 1;
    },

    async delete(key) {
      const reply = (await driver.script(DELETE, sessionKey(key), [])) as unknown[];
      if (Number(reply[1]) === 1) await index.remove(String(reply[2]), key);
    },

    async close() {
      // The client belongs to the caller.
    },

    async listByUser(userId) {
      const members = await index.members(userId);
      const now = Date.now();
      const records = await inBatches(members, 100, (member) => read(member.key));
      const entries: StoreEntry[] = [];
      const dangling: string[] = [];
      members.forEach((member, i) => {
        const record = records[i];
        if (record?.userId === userId && record.expiresAt > now) entries.push({ key: member.key, record });
        else dangling.push(member.key);
      });
      await index.prune({ userId }, dangling);
      return entries;
    },

    async deleteByUser(userId, exceptKey) {
      const members = (await index.members(userId)).filter((member) => member.key !== exceptKey);
      const now = String(Date.now());
      const outcomes = await inBatches(members, 100, async (member: IndexMember) => {
        const outcome = Number(await driver.script(DELETE_OWNED, sessionKey(member.key), [userId, now]));
        // Deleted: unindex now. Not this user's (-1): dangling, pruned after the grace period.
        if (outcome !== -1) await index.remove(userId, member.key);
        return outcome;
      });
      const dangling = members.filter((_, i) => outcomes[i] === -1).map((member) => member.key);
      await index.prune({ userId }, dangling);
      return outcomes.filter((outcome) => outcome === 1).length;
    },

    async purgeExpired() {
      // Sessions expire natively; what is left to clean are index members whose session is gone.
      const indexKeys = await driver.scan(`${globLiteral(prefix)}u:*`);
      await inBatches(indexKeys, 20, (indexKeyName) => pruneIndex(driver, index, indexKeyName, prefix));
      return 0;
    },

    async count() {
      return (await driver.scan(`${globLiteral(prefix)}s:*`)).length;
    },

    scan: (scanOptions) => scanSessions(driver, prefix, scanOptions),
  };
}

async function update(
  driver: RedisDriver,
  index: UserIndex,
  name: string,
  key: string,
  patch: StorePatch,
): Promise<boolean> {
  const owner = patch.userId;
  // Moving the session to a user: index first (provisional TTL), as in create.
  if (typeof owner === 'string' && patch.expiresAt > Date.now()) await index.add(owner, key, patch.expiresAt);
  const set = Object.entries(patch.set);
  const args = [
    String(Date.now()),
    String(patch.expiresAt),
    String(patch.lastSeenAt),
    owner === undefined ? 'k' : owner === null ? 'c' : 's',
    owner ?? '',
    String(set.length),
  ];
  for (const [field, value] of set) args.push(DATA + field, value);
  for (const field of patch.del) args.push(DATA + field);
  const reply = (await driver.script(UPDATE, name, args)) as unknown[];
  const ok = Number(reply[0]) === 1;
  if (owner === undefined) return ok;
  if (!ok) {
    // Nothing was moved (the session is gone), so the member just added is dangling.
    if (typeof owner === 'string') await index.remove(owner, key);
    return false;
  }
  const previous = Number(reply[1]) === 1 ? String(reply[2]) : null;
  const absolute = Number(reply[3]);
  const followUps: Promise<unknown>[] = [];
  if (previous !== null && previous !== owner) followUps.push(index.remove(previous, key));
  if (typeof owner === 'string' && absolute > patch.expiresAt)
    followUps.push(index.add(owner, key, absolute));
  await Promise.all(followUps);
  return true;
}

/** Prunes one user's set (found by SCAN) of members whose session is gone or owned by another user. */
async function pruneIndex(driver: RedisDriver, index: UserIndex, indexKeyName: string, prefix: string) {
  const userId = indexKeyName.slice(prefix.length + 2);
  const reply = (await driver.command(indexKeyName, ['ZRANGE', indexKeyName, '0', '-1'])) as unknown[];
  const now = Date.now();
  const dangling: string[] = [];
  await inBatches(reply.map(String), 100, async (key) => {
    const name = `${prefix}s:${key}`;
    const [owner, expiresAt] = (await driver.command(name, ['HMGET', name, 'm:u', 'm:e'])) as unknown[];
    if (owner !== userId || !(Number(expiresAt) > now)) dangling.push(key);
  });
  await index.prune({ index: indexKeyName }, dangling);
}
