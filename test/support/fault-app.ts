/**
 * The node:http app every fault test drives, and a browser-like client for it. Routes:
 * - `GET /read`: the session's data as JSON;
 * - `POST /write?k=v&k2=v2`: sets each query key (string values), answers the data as JSON;
 * - `POST /destroy`, `POST /rotate`, `POST /login?user=u`;
 * - `POST /slow-write?gate=g&k=v`: loads the session, waits until the test opens gate `g`, then sets;
 * - `POST /big?bytes=n`: stores a string of n bytes.
 * A store failure surfaces as the adapter's own 503: the tests see exactly what a user would.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withSessions } from '../../src/adapters/node.ts';
import type { Sessions, SessionsOptions } from '../../src/index.ts';
import { createSessions } from '../../src/index.ts';

export type FaultData = Record<string, string>;

/** Cookie settings every fault app uses; the test client sends the cookie itself, so Secure is harmless. */
export const faultCookie = { name: 'sid', secure: true } as const;

/** A gate a slow request waits on; the test opens it. */
class Gates {
  readonly #waiting = new Map<string, { promise: Promise<void>; open: () => void; arrived: () => void }>();
  readonly #arrivals = new Map<string, Promise<void>>();

  #entry(name: string) {
    let entry = this.#waiting.get(name);
    if (entry === undefined) {
      let open!: () => void;
      let arrived!: () => void;
      const promise = new Promise<void>((resolve) => {
        open = resolve;
      });
      this.#arrivals.set(
        name,
        new Promise<void>((resolve) => {
          arrived = resolve;
        }),
      );
      entry = { promise, open, arrived };
      this.#waiting.set(name, entry);
    }
    return entry;
  }
  /** Called by the handler: marks arrival, then waits for the test. */
  wait(name: string): Promise<void> {
    const entry = this.#entry(name);
    entry.arrived();
    return entry.promise;
  }
  /** Resolves once a request is waiting at gate `name`. */
  arrived(name: string): Promise<void> {
    this.#entry(name);
    return this.#arrivals.get(name)!;
  }
  open(name: string): void {
    this.#entry(name).open();
  }
}

export interface FaultApp {
  readonly url: string;
  readonly sessions: Sessions<FaultData>;
  readonly gates: Gates;
  /** Closes the HTTP server, then `sessions.close()` (which closes the store). */
  close(): Promise<void>;
}

/** Starts the fault app on a free loopback port with `options` (cookie defaults to {@link faultCookie}). */
export async function startFaultApp(options: SessionsOptions): Promise<FaultApp> {
  const sessions = createSessions<FaultData>({ cookie: faultCookie, ...options });
  const gates = new Gates();
  const server: Server = createServer(
    withSessions(sessions, async (req, res, session) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const query = [...url.searchParams.entries()];
      switch (url.pathname) {
        case '/write':
          for (const [key, value] of query) await session.set(key, value);
          break;
        case '/destroy':
          await session.destroy();
          return void res.end('{}');
        case '/rotate':
          await session.rotate();
          break;
        case '/login':
          await session.login(url.searchParams.get('user') ?? 'user');
          break;
        case '/slow-rotate':
          await session.load();
          await gates.wait(url.searchParams.get('gate') ?? '');
          await session.rotate();
          break;
        case '/slow-destroy':
          await session.load();
          await gates.wait(url.searchParams.get('gate') ?? '');
          await session.destroy();
          return void res.end('{}');
        case '/revoke-user':
          res.setHeader('content-type', 'application/json');
          return void res.end(JSON.stringify(await sessions.revokeUser(url.searchParams.get('user') ?? '')));
        case '/slow-write': {
          await session.load();
          await gates.wait(url.searchParams.get('gate') ?? '');
          for (const [key, value] of query) if (key !== 'gate') await session.set(key, value);
          break;
        }
        case '/big':
          await session.set('big', 'x'.repeat(Number(url.searchParams.get('bytes') ?? '0')));
          break;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(await session.entries()));
    }),
  );
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sessions,
    gates,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sessions.close();
    },
  };
}

/** One answer as the client saw it. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  /** The parsed JSON body for 200 answers. */
  readonly data: FaultData | undefined;
  readonly setCookie: readonly string[];
}

/**
 * Repeats `send` while it answers 503, up to about 5 s: after a store comes back, the driver may
 * need a failed attempt or a reconnect delay to notice.
 */
export async function untilServed(send: () => Promise<Answer>): Promise<Answer> {
  let answer = await send();
  for (let i = 0; i < 20 && answer.status === 503; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    answer = await send();
  }
  return answer;
}

/** A browser with one cookie jar for the `sid` cookie. */
export class Browser {
  cookie: string | undefined;
  constructor(readonly base: string) {}

  /** Sends a request with the jar's cookie; applies Set-Cookie to the jar unless `keepJar`. */
  async send(
    path: string,
    init: { method?: string; keepJar?: boolean; cookie?: string } = {},
  ): Promise<Answer> {
    const cookie = init.cookie ?? this.cookie;
    const response = await fetch(this.base + path, {
      method: init.method ?? (path.startsWith('/read') ? 'GET' : 'POST'),
      headers: cookie === undefined ? {} : { cookie: `${faultCookie.name}=${cookie}` },
    });
    const body = await response.text();
    const setCookie = response.headers.getSetCookie();
    if (!init.keepJar) this.apply(setCookie);
    let data: FaultData | undefined;
    if (response.status === 200) data = JSON.parse(body) as FaultData;
    return { status: response.status, body, data, setCookie };
  }

  /** Applies Set-Cookie headers to the jar as a browser would (Max-Age=0 or a past Expires clears). */
  apply(setCookie: readonly string[]): void {
    for (const header of setCookie) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (pair.slice(0, eq).trim() !== faultCookie.name) continue;
      const cleared = attributes.some((a) => {
        const [name = '', value = ''] = a.trim().split('=');
        return (
          (name.toLowerCase() === 'max-age' && Number(value) <= 0) ||
          (name.toLowerCase() === 'expires' && Date.parse(value) <= Date.now())
        );
      });
      this.cookie = cleared ? undefined : pair.slice(eq + 1).trim();
    }
  }
}
