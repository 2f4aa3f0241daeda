/**
 * One small command interface over the four client shapes the Redis store accepts: an ioredis
 * `Redis` or `Cluster`, a node-redis client or cluster. Recognised by their methods (duck typing),
 * so this module imports no driver at run time.
 */
import { createHash } from 'node:crypto';

/** The part of an ioredis `Redis` or `Cluster` the store uses. */
export interface IoRedisLike {
  evalsha(...args: never[]): unknown;
  defineCommand(...args: never[]): unknown;
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  /** `true` on an ioredis `Cluster`. */
  readonly isCluster?: boolean;
}

/** The part of a node-redis (v5, v6) client the store uses. */
export interface NodeRedisClientLike {
  sendCommand(args: readonly string[]): Promise<unknown>;
  evalSha(...args: never[]): unknown;
}

/** The part of a node-redis (v5, v6) cluster the store uses. */
export interface NodeRedisClusterLike {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
  ): Promise<unknown>;
  evalSha(...args: never[]): unknown;
  readonly masters: readonly unknown[];
  nodeClient(node: unknown): Promise<NodeRedisClientLike> | NodeRedisClientLike;
}

/** Any client the Redis store accepts. */
export type RedisClientLike = IoRedisLike | NodeRedisClientLike | NodeRedisClusterLike;

/** A Lua script with its SHA-1, for EVALSHA. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** What the store sends: every command names the one key that routes it (its hash slot). */
export interface RedisDriver {
  readonly kind: 'ioredis' | 'ioredis-cluster' | 'node-redis' | 'node-redis-cluster';
  /** Runs `args` (command first) on the node owning `key`. */
  command(key: string, args: readonly string[]): Promise<unknown>;
  /** Runs a one-key script: EVALSHA, and EVAL once when the node answers NOSCRIPT. */
  script(script: LuaScript, key: string, args: readonly string[]): Promise<unknown>;
  /** Every key matching `pattern`, from every master. */
  scan(pattern: string): Promise<string[]>;
  /**
   * One SCAN step on master number `node` (masters in the client's order): the keys it returned,
   * the next SCAN cursor (`'0'` when that master is done), and how many masters there are.
   */
  scanStep(node: number, cursor: string, pattern: string, count: number): Promise<ScanStep>;
}

/** What {@link RedisDriver.scanStep} returns. */
export interface ScanStep {
  readonly keys: string[];
  readonly cursor: string;
  readonly nodes: number;
}

type Send = (key: string, args: readonly string[]) => Promise<unknown>;
type PerNode = (args: readonly string[]) => Promise<unknown>;

function isIoRedis(client: RedisClientLike): client is IoRedisLike {
  const c = client as Partial<IoRedisLike>;
  return typeof c.evalsha === 'function' && typeof c.defineCommand === 'function';
}

function isNodeRedisCluster(client: RedisClientLike): client is NodeRedisClusterLike {
  return typeof (client as Partial<NodeRedisClusterLike>).nodeClient === 'function';
}

function isNodeRedis(client: RedisClientLike): client is NodeRedisClientLike {
  const c = client as Partial<NodeRedisClientLike>;
  return typeof c.sendCommand === 'function' && typeof c.evalSha === 'function';
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

async function scanNode(send: PerNode, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const reply = (await send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'])) as [unknown, unknown[]];
    cursor = String(reply[0]);
    for (const key of reply[1]) keys.push(String(key));
  } while (cursor !== '0');
  return keys;
}

function driverFrom(kind: RedisDriver['kind'], send: Send, nodes: () => Promise<PerNode[]>): RedisDriver {
  return {
    kind,
    command: send,
    async script(script, key, args) {
      try {
        return await send(key, ['EVALSHA', script.sha, '1', key, ...args]);
      } catch (error) {
        // A node that restarted or a new cluster master has not cached the script yet.
        if (!isNoScript(error)) throw error;
        return send(key, ['EVAL', script.source, '1', key, ...args]);
      }
    },
    async scan(pattern) {
      const perNode = await Promise.all((await nodes()).map((node) => scanNode(node, pattern)));
      return perNode.flat();
    },
    async scanStep(node, cursor, pattern, count) {
      const all = await nodes();
      const send = all[node];
      if (send === undefined) return { keys: [], cursor: '0', nodes: all.length }; // topology shrank
      const reply = (await send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', String(count)])) as [
        unknown,
        unknown[],
      ];
      return { keys: reply[1].map(String), cursor: String(reply[0]), nodes: all.length };
    },
  };
}

/**
 * Wraps a client into a {@link RedisDriver}, or returns `undefined` when it is none of the
 * accepted shapes. ioredis is tested first because it too has a (lower-level) `sendCommand`.
 */
export function redisDriver(client: RedisClientLike): RedisDriver | undefined {
  if (isIoRedis(client)) {
    const send: Send = (_key, [name = '', ...rest]) => client.call(name, ...rest);
    if (client.isCluster === true) {
      const cluster = client as IoRedisLike & { nodes(role: 'master'): IoRedisLike[] };
      return driverFrom('ioredis-cluster', send, async () =>
        cluster.nodes('master').map(
          (node) =>
            ([name = '', ...rest]) =>
              node.call(name, ...rest),
        ),
      );
    }
    return driverFrom('ioredis', send, async () => [(args) => send('', args)]);
  }
  if (isNodeRedisCluster(client)) {
    const send: Send = (key, args) => client.sendCommand(key, false, [...args]);
    return driverFrom('node-redis-cluster', send, async () => {
      const nodes = await Promise.all(client.masters.map((master) => client.nodeClient(master)));
      return nodes.map((node) => (args) => node.sendCommand(args));
    });
  }
  if (isNodeRedis(client)) {
    const send: Send = (_key, args) => client.sendCommand(args);
    return driverFrom('node-redis', send, async () => [(args) => send('', args)]);
  }
  return undefined;
}
