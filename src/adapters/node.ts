/**
 * node:http adapter. `withSessions(sessions, handler)` gives each request a session and commits it
 * before the first byte of the response leaves: `writeHead`, `write` and `end` are held until the
 * commit settles, so Set-Cookie is always in the headers, streamed responses included, and a store
 * failure can still become a clean 503 instead of a half-sent page.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { CommitResult } from '../core/commit.ts';
import { CoatcheckError } from '../core/errors.ts';
import { mergeVary, responseHeaders } from '../core/response-headers.ts';
import type { Session, SessionData } from '../core/session.ts';
import type { Sessions } from '../core/sessions.ts';

/** Options of the node adapter. */
export interface NodeAdapterOptions {
  /**
   * Take the client IP from the first `X-Forwarded-For` entry (only behind a proxy you control).
   * Default `false`: the socket address.
   */
  readonly trustProxy?: boolean;
  /**
   * Called instead of answering 503 when the commit fails (the store is down). Nothing has been sent
   * and the held response's headers are already removed, so the callback may write a whole new
   * response; framework adapters pass the error to their error handling (Express: `next(err)`).
   * Default: a plain-text 503 (or the error's `status`).
   */
  readonly onCommitError?: (error: unknown) => void;
  /** Finds the client IP instead of `trustProxy` (e.g. Express's `req.ip`, which honours `trust proxy`). */
  readonly clientIp?: (req: IncomingMessage) => string | undefined;
}

/** A request handler that receives the session. */
export type SessionHandler<Data extends SessionData> = (
  req: IncomingMessage,
  res: ServerResponse,
  session: Session<Data>,
) => void | Promise<void>;

type WriteArgs = Parameters<ServerResponse['write']>;
type EndArgs = Parameters<ServerResponse['end']>;

/**
 * Loads the session of `req` (no I/O) and arranges for it to be committed before `res` sends its
 * headers. Use it when you own the request handler; `withSessions` wraps this for you.
 */
export function attachSession<Data extends SessionData>(
  sessions: Sessions<Data>,
  req: IncomingMessage,
  res: ServerResponse,
  options: NodeAdapterOptions = {},
): Session<Data> {
  const headerName = sessions.options.header?.name;
  const rawHeader = headerName === undefined ? undefined : req.headers[headerName];
  const session = sessions.load({
    cookie: req.headers.cookie,
    header: Array.isArray(rawHeader) ? rawHeader[0] : rawHeader,
    ip: options.clientIp !== undefined ? options.clientIp(req) : clientIp(req, options.trustProxy === true),
    userAgent: req.headers['user-agent'],
  });
  holdUntilCommitted(sessions, session, res, options.onCommitError);
  return session;
}

/** Wraps a handler: every request gets `session`; errors become 500 (or the error's status, 503 for a store outage). */
export function withSessions<Data extends SessionData>(
  sessions: Sessions<Data>,
  handler: SessionHandler<Data>,
  options: NodeAdapterOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return function coatcheckNodeHandler(req, res) {
    let session: Session<Data>;
    try {
      session = attachSession(sessions, req, res, options);
    } catch (error) {
      sendError(res, error);
      return;
    }
    Promise.resolve()
      .then(() => handler(req, res, session))
      .catch((error: unknown) => sendError(res, error));
  };
}

function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent || res.writableEnded) {
    res.destroy(error instanceof Error ? error : undefined);
    return;
  }
  const status = error instanceof CoatcheckError ? error.status : 500;
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(status === 503 ? 'Service Unavailable: session store unreachable\n' : 'Internal Server Error\n');
}

/**
 * Holds writeHead/write/end until the session is committed. The commit starts at the first of
 * them; the held calls are replayed, in order, once it settles.
 */
function holdUntilCommitted<Data extends SessionData>(
  sessions: Sessions<Data>,
  session: Session<Data>,
  res: ServerResponse,
  onCommitError: ((error: unknown) => void) | undefined,
): void {
  const original = {
    writeHead: res.writeHead,
    write: res.write,
    end: res.end,
    flushHeaders: res.flushHeaders,
  };
  let head:
    | { status: number; message: string | undefined; headers: OutgoingHttpHeaders | undefined }
    | undefined;
  const held: Array<{ kind: 'write'; args: WriteArgs } | { kind: 'end'; args: EndArgs }> = [];
  let state: 'open' | 'committing' | 'done' = 'open';

  const restore = () => {
    res.writeHead = original.writeHead;
    res.write = original.write;
    res.end = original.end;
    res.flushHeaders = original.flushHeaders;
  };

  const replay = (result: CommitResult) => {
    restore();
    state = 'done';
    applyHeaders(res, result, head?.headers);
    if (head !== undefined) {
      const args =
        head.message === undefined ? [head.status, head.headers] : [head.status, head.message, head.headers];
      Reflect.apply(original.writeHead, res, args);
    }
    for (const call of held) {
      if (call.kind === 'write') original.write.apply(res, call.args);
      else original.end.apply(res, call.args);
    }
  };
  const fail = (error: unknown) => {
    restore();
    state = 'done';
    // Nothing has been sent yet: replace the held response with the error.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    if (onCommitError === undefined) sendError(res, error);
    else onCommitError(error);
  };
  const start = () => {
    if (state !== 'open') return;
    state = 'committing';
    const status = head?.status ?? res.statusCode;
    // Fast path: a session the handler never touched needs no store call, so the response goes
    // out in the same tick instead of waiting on a promise.
    const untouched = sessions.commitIfUntouched(session, { status });
    if (untouched !== undefined) replay(untouched);
    else sessions.commit(session, { status }).then(replay, fail);
  };

  res.writeHead = function heldWriteHead(this: ServerResponse, status: number, ...rest: unknown[]) {
    const [first, second] = rest;
    const message = typeof first === 'string' ? first : undefined;
    const headers = (typeof first === 'string' ? second : first) as OutgoingHttpHeaders | undefined;
    head = { status, message, headers: Array.isArray(headers) ? undefined : headers };
    if (Array.isArray(headers))
      for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(headers[i], headers[i + 1]);
    res.statusCode = status;
    return res;
  } as ServerResponse['writeHead'];
  res.write = function heldWrite(this: ServerResponse, ...args: WriteArgs) {
    held.push({ kind: 'write', args });
    start();
    return true;
  } as ServerResponse['write'];
  res.end = function heldEnd(this: ServerResponse, ...args: EndArgs) {
    held.push({ kind: 'end', args });
    start();
    return res;
  } as ServerResponse['end'];
  res.flushHeaders = function heldFlushHeaders() {
    start();
  };
}

/** Adds the commit's headers, merging with headers the handler set (including those given to writeHead). */
function applyHeaders(
  res: ServerResponse,
  result: CommitResult,
  headHeaders: OutgoingHttpHeaders | undefined,
): void {
  for (const { name, value } of responseHeaders(result)) {
    const inHead = headHeaders !== undefined ? findHeader(headHeaders, name) : undefined;
    if (name === 'set-cookie') {
      const existing = res.getHeader('set-cookie');
      const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
      res.setHeader('set-cookie', [...list, value]);
      if (inHead !== undefined && headHeaders !== undefined) {
        const headList = headHeaders[inHead];
        headHeaders[inHead] = [...(Array.isArray(headList) ? headList : [String(headList)]), value];
      }
    } else if (name === 'vary') {
      if (inHead !== undefined && headHeaders !== undefined)
        headHeaders[inHead] = mergeVary(String(headHeaders[inHead]), value);
      else res.setHeader('vary', mergeVary(res.getHeader('vary')?.toString(), value));
    } else if (inHead !== undefined && headHeaders !== undefined) {
      headHeaders[inHead] = value;
    } else {
      res.setHeader(name, value);
    }
  }
}

function findHeader(headers: OutgoingHttpHeaders, name: string): string | undefined {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return key;
  return undefined;
}

function clientIp(req: IncomingMessage, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress;
}

export type { CsrfGuardOptions } from '../core/csrf.ts';
export { verifyNodeCsrf, withCsrf } from './node-csrf.ts';
export { loadUpgradeSession, type ReadonlySession, type UpgradeSessionOptions } from './node-upgrade.ts';
