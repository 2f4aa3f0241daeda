/**
 * The request side of the adapter kit: one header reader for node-style header objects and the
 * one builder of core's LoadInput, so an adapter only says where its framework keeps a header.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { LoadInput, SessionData, Sessions } from '../../index.ts';

/** Reads a request header by lower-case name from a framework's request: its first value, if any. */
export type ReadHeader<Source> = (source: Source, name: string) => string | null | undefined;

/**
 * The first value of a header in node's `IncomingHttpHeaders` (also Fastify's `request.headers`).
 * Only `set-cookie` is ever an array on a request, but a header a proxy repeated may be.
 */
export function nodeHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The first value of a header in a Fetch API `Headers` (the platform joins repeated ones). */
export function webHeader(headers: Headers, name: string): string | null {
  return headers.get(name);
}

/** What an adapter knows about a request beyond its headers; both may be functions, called when needed. */
export interface RequestFacts {
  /** The client address (looked up at login only, when a function). */
  readonly ip?: LoadInput['ip'];
  /** Where the request went, e.g. `GET /cart` (see {@link requestContext}), named if the session is used late. */
  readonly context?: LoadInput['context'];
}

/**
 * The LoadInput of a request: the `Cookie` header, the configured ticket header, `User-Agent`,
 * and the facts the adapter adds. Empty headers count as absent (Koa's `ctx.get` answers `''`).
 */
export function loadInput<Data extends SessionData, Source>(
  sessions: Sessions<Data>,
  source: Source,
  read: ReadHeader<Source>,
  facts: RequestFacts,
): LoadInput {
  const headerName = sessions.options.header?.name;
  return new RequestInput(
    read(source, 'cookie') || undefined,
    headerName === undefined ? undefined : read(source, headerName) || undefined,
    read(source, 'user-agent') || undefined,
    facts,
  );
}

/**
 * A request's LoadInput. A class rather than an object literal, for the reason given at core's
 * ValidTicket (ticket-reader.ts): the session keeps it, as its request metadata, while the
 * request lives.
 */
class RequestInput implements LoadInput {
  readonly cookie: string | undefined;
  readonly header: string | undefined;
  readonly userAgent: string | undefined;
  readonly ip: LoadInput['ip'];
  readonly context: LoadInput['context'];

  constructor(
    cookie: string | undefined,
    header: string | undefined,
    userAgent: string | undefined,
    facts: RequestFacts,
  ) {
    this.cookie = cookie;
    this.header = header;
    this.userAgent = userAgent;
    this.ip = facts.ip;
    this.context = facts.context;
  }
}

/**
 * `GET /cart` for a request line: the method and the path, without the query string or the
 * origin of an absolute URL (a query may carry a secret, and this ends up in logs).
 */
export function requestContext(method: string | undefined, url: string | undefined): string {
  let path = url ?? '/';
  const scheme = path.indexOf('://');
  if (scheme !== -1 && scheme < path.indexOf('/')) {
    const slash = path.indexOf('/', scheme + 3);
    path = slash === -1 ? '/' : path.slice(slash);
  }
  const query = path.search(/[?#]/);
  if (query !== -1) path = path.slice(0, query);
  return `${method ?? 'GET'} ${path === '' ? '/' : path}`;
}
