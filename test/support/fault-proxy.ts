/**
 * A loopback TCP proxy for fault tests: it sits between a store driver and a real server and can
 * forward, delay, blackhole, refuse or cut connections on command. Only for servers the test owns
 * or for connections the test opens itself; it never touches the server behind it.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/** What the proxy does with traffic. */
export type ProxyMode =
  /** Pass bytes through untouched. */
  | 'forward'
  /** Pass bytes through after `delayMs`, in order. */
  | 'delay'
  /** Accept connections and swallow every byte in both directions: a store that never answers. */
  | 'blackhole'
  /** Stop listening: new connections get ECONNREFUSED; open ones are cut. */
  | 'refuse';

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
}

/** A running proxy on 127.0.0.1:`port` in front of `targetHost:targetPort`. */
export class FaultProxy {
  #server: Server;
  #mode: ProxyMode = 'forward';
  #delayMs = 0;
  readonly #pairs = new Set<Pair>();
  /** Connections accepted since start, for tests that check a driver does not reconnect in a loop. */
  accepted = 0;

  private constructor(
    readonly port: number,
    readonly targetHost: string,
    readonly targetPort: number,
    server: Server,
  ) {
    this.#server = server;
  }

  /** Starts a proxy on a free loopback port (or `port`) forwarding to `target`. */
  static async start(target: { host?: string; port: number }, port = 0): Promise<FaultProxy> {
    const host = target.host ?? '127.0.0.1';
    const holder: { proxy?: FaultProxy } = {};
    const server = createServer((socket) => holder.proxy?.accept(socket));
    await listen(server, port);
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
    holder.proxy = new FaultProxy(address.port, host, target.port, server);
    return holder.proxy;
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  /** Open client connections. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** Switches mode. `delay` needs `delayMs`; leaving `refuse` listens again on the same port. */
  async set(mode: ProxyMode, delayMs = 0): Promise<void> {
    const previous = this.#mode;
    this.#mode = mode;
    this.#delayMs = delayMs;
    if (mode === 'refuse' && previous !== 'refuse') {
      this.cut();
      await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    } else if (mode !== 'refuse' && previous === 'refuse') {
      this.#server = createServer((socket) => this.accept(socket));
      await listen(this.#server, this.port);
    }
  }

  /** Destroys every open connection (both sides), as a crashed server or a dropped link would. */
  cut(): void {
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    this.#pairs.clear();
  }

  /** Cuts every connection and stops listening. */
  async close(): Promise<void> {
    this.cut();
    if (this.#mode === 'refuse') return;
    this.#mode = 'refuse';
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    const pair: Pair = { client, upstream: undefined };
    this.#pairs.add(pair);
    const drop = () => {
      client.destroy();
      pair.upstream?.destroy();
      this.#pairs.delete(pair);
    };
    client.on('error', drop);
    client.on('close', drop);
    if (this.#mode === 'refuse') {
      drop();
      return;
    }
    const upstream = tcpConnect({ host: this.targetHost, port: this.targetPort });
    pair.upstream = upstream;
    upstream.on('error', drop);
    upstream.on('close', drop);
    this.pipe(client, upstream);
    this.pipe(upstream, client);
  }

  /** Copies bytes from `from` to `to` according to the current mode; delayed chunks keep their order. */
  private pipe(from: Socket, to: Socket): void {
    let chain: Promise<void> = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      const mode = this.#mode;
      if (mode === 'blackhole' || mode === 'refuse') return;
      if (mode === 'forward') {
        // Behind earlier delayed chunks, if any, so the stream stays in order.
        chain = chain.then(() => void (to.destroyed || to.write(chunk)));
        return;
      }
      const due = Date.now() + this.#delayMs;
      chain = chain.then(
        () =>
          new Promise<void>((resolve) => {
            setTimeout(
              () => {
                if (!to.destroyed) to.write(chunk);
                resolve();
              },
              Math.max(0, due - Date.now()),
            );
          }),
      );
    });
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
