/**
 * One dedicated connection on which Redis reports every write to the store's session keys:
 * `CLIENT TRACKING ON REDIRECT <its own id> BCAST PREFIX <prefix>s:`, then
 * `SUBSCRIBE __redis__:invalidate` (the RESP2 form of server-assisted client-side caching).
 *
 * Why this form: it is the one both drivers can receive. ioredis 6 speaks RESP3 by default but
 * drops `invalidate` push frames it does not know, and ioredis 5 has no RESP3 at all; node-redis
 * passes the `__redis__:invalidate` messages of RESP2 through its pub/sub listener as a key list.
 * Why BCAST: the server then reports writes by key prefix, whatever connection read the key, so
 * the user's own connection (which the driver may reconnect at any time, silently losing a
 * per-connection tracking table) plays no part in correctness: only this connection does.
 *
 * The connection never reconnects by itself: a driver's automatic reconnect would resubscribe
 * without turning tracking back on. `tracking-link.ts` opens a new one instead.
 */

/** What Redis reported: these Redis keys changed, or (`null`) everything did (FLUSHALL, FLUSHDB). */
export type InvalidatedKeys = readonly string[] | null;

/** An open tracking connection. */
export interface TrackingConnection {
  /** Settles once the connection is gone, for whatever reason (killed, server restart, `quit`). */
  readonly lost: Promise<void>;
  /** Closes it. Never rejects. */
  quit(): Promise<void>;
}

/** Opens a tracking connection, calling `onKeys` for every invalidation until it is lost. */
export type OpenTracking = (onKeys: (keys: InvalidatedKeys) => void) => Promise<TrackingConnection>;

/** The part of an ioredis client used to open a tracking connection. */
interface IoRedisDuplicable {
  duplicate(override: Record<string, unknown>): IoRedisTrackingClient;
}

interface IoRedisTrackingClient {
  call(command: string, ...args: string[]): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  disconnect(): void;
}

/** The part of a node-redis client used to open a tracking connection. */
interface NodeRedisDuplicable {
  readonly options?: { readonly socket?: object } | undefined;
  duplicate(overrides: Record<string, unknown>): NodeRedisTrackingClient;
}

interface NodeRedisTrackingClient {
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  subscribe(channel: string, listener: (message: unknown) => void): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  destroy(): void;
}

export const INVALIDATE_CHANNEL = '__redis__:invalidate';

/** The connection's name in `CLIENT LIST`, so an operator (or a test) can find it. */
export function trackingName(prefix: string): string {
  // CLIENT SETNAME refuses spaces and newlines.
  return `coatcheck-tracking:${prefix.replace(/\s/g, '_')}`;
}

function lostSignal(): { lost: Promise<void>; signal: () => void } {
  let signal = () => {};
  const lost = new Promise<void>((resolve) => {
    signal = resolve;
  });
  return { lost, signal };
}

function keysOf(message: unknown): InvalidatedKeys {
  if (message === null || message === undefined) return null;
  return Array.isArray(message) ? message.map(String) : [String(message)];
}

/** Turns tracking on for `prefix` on `send`'s connection, redirected to itself. */
async function enableTracking(send: (...args: string[]) => Promise<unknown>, prefix: string) {
  const id = String(await send('CLIENT', 'ID'));
  await send('CLIENT', 'TRACKING', 'ON', 'REDIRECT', id, 'BCAST', 'PREFIX', prefix);
}

/** The tracking opener for an ioredis `Redis` (standalone) client. */
export function ioRedisTracking(client: object, prefix: string): OpenTracking {
  return async (onKeys) => {
    const connection = (client as IoRedisDuplicable).duplicate({
      protocol: 2,
      connectionName: trackingName(prefix),
      autoResubscribe: false,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      lazyConnect: false,
    });
    const { lost, signal } = lostSignal();
    connection.on('error', () => {}); // the loss is what matters; `close` follows
    connection.on('close', signal);
    connection.on('end', signal);
    // Buffers: `message` would join a key list with commas.
    connection.on('messageBuffer', (channel: Buffer, message: unknown) => {
      if (String(channel) === INVALIDATE_CHANNEL) onKeys(keysOf(message));
    });
    try {
      await enableTracking((...args) => connection.call(args[0]!, ...args.slice(1)), prefix);
      await connection.subscribe(INVALIDATE_CHANNEL);
    } catch (error) {
      connection.disconnect();
      throw error;
    }
    return {
      lost,
      async quit() {
        connection.disconnect();
      },
    };
  };
}

/** The tracking opener for a node-redis (v5, v6) standalone client. */
export function nodeRedisTracking(client: object, prefix: string): OpenTracking {
  return async (onKeys) => {
    const parent = client as NodeRedisDuplicable;
    const connection = parent.duplicate({
      RESP: 2,
      // RESP3-only features the parent may have on; refused on a RESP2 connection (node-redis 6).
      maintNotifications: 'disabled',
      clientSideCache: undefined,
      emitInvalidate: undefined,
      name: trackingName(prefix),
      socket: { ...parent.options?.socket, reconnectStrategy: false },
    });
    const { lost, signal } = lostSignal();
    connection.on('error', signal);
    connection.on('end', signal);
    try {
      await connection.connect();
      await enableTracking((...args) => connection.sendCommand(args), prefix);
      await connection.subscribe(INVALIDATE_CHANNEL, (message) => onKeys(keysOf(message)));
    } catch (error) {
      connection.destroy();
      throw error;
    }
    return {
      lost,
      async quit() {
        try {
          connection.destroy();
        } catch {
          // already closed
        }
      },
    };
  };
}

/** The part of an ioredis `Cluster` used to track every master. */
interface IoRedisClusterTrackable {
  nodes(role: 'master'): object[];
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

/** ioredis Cluster events after which the set of masters may have changed. */
const TOPOLOGY_EVENTS = ['refresh', '+node', '-node'] as const;

/** The addresses of `masters`, in a stable order, to notice a change of topology. */
function addressesOf(masters: readonly object[]): string {
  return masters
    .map((node) => {
      const options = (node as { options?: { host?: string; port?: number } }).options;
      return `${options?.host ?? ''}:${options?.port ?? ''}`;
    })
    .sort()
    .join(',');
}

/**
 * The tracking opener for an ioredis `Cluster`: Redis reports a write only on the node that
 * holds the key, so one tracking connection per master (each `ioRedisTracking` on that node's
 * client), all as one: lost as soon as any of them is lost, or when the cluster's masters change
 * (a failover, a node added or removed, seen at ioredis's next slot refresh), since a master
 * without a tracking connection would write unreported. The link then opens a new set.
 */
export function ioRedisClusterTracking(client: object, prefix: string): OpenTracking {
  const cluster = client as IoRedisClusterTrackable;
  return async (onKeys) => {
    const masters = cluster.nodes('master');
    if (masters.length === 0) throw new Error('redisStore cache: the Cluster has no master node yet');
    const known = addressesOf(masters);
    const opened = await Promise.allSettled(masters.map((node) => ioRedisTracking(node, prefix)(onKeys)));
    const connections = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = opened.find((result) => result.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(connections.map((connection) => connection.quit()));
      throw failed.reason;
    }
    const { lost, signal } = lostSignal();
    const onTopology = () => {
      if (addressesOf(cluster.nodes('master')) !== known) signal();
    };
    for (const event of TOPOLOGY_EVENTS) cluster.on(event, onTopology);
    for (const connection of connections) void connection.lost.then(signal);
    void lost.then(() => {
      for (const event of TOPOLOGY_EVENTS) cluster.off(event, onTopology);
      for (const connection of connections) void connection.quit();
    });
    // A change between reading the masters and listening would otherwise go unseen.
    onTopology();
    return {
      lost,
      async quit() {
        signal();
        await Promise.all(connections.map((connection) => connection.quit()));
      },
    };
  };
}
