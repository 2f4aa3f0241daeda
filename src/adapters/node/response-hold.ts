/**
 * Holds a node:http response's writeHead/write/end/flushHeaders until the session is committed,
 * so Set-Cookie is always in the headers (streamed responses included) and a store failure can
 * still become a clean 503 instead of a half-sent page. The commit starts at the first of those
 * calls; the held calls are replayed, in order, once it settles.
 *
 * How the calls reach the hold is up to the caller: the node adapter patches the response object
 * itself (`holdOnInstance`); the Express adapter routes them through methods defined once on
 * Express's response prototype (see express/hold.ts), which is much cheaper per request.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { CommitResult } from '../../core/commit.ts';
import { CoatcheckError } from '../../core/errors.ts';
import { mergeVary, responseHeaders } from '../../core/response-headers.ts';
import type { Session, SessionData } from '../../core/session.ts';
import type { Sessions } from '../../core/sessions.ts';

type WriteArgs = Parameters<ServerResponse['write']>;
type EndArgs = Parameters<ServerResponse['end']>;

/** The response methods a hold intercepts, as they were before it: the hold sends through them. */
export interface HeldMethods {
  readonly writeHead: ServerResponse['writeHead'];
  readonly write: ServerResponse['write'];
  readonly end: ServerResponse['end'];
  readonly flushHeaders: ServerResponse['flushHeaders'];
}

/** The names of the intercepted methods. */
export const HELD_METHODS = ['writeHead', 'write', 'end', 'flushHeaders'] as const;

/** One response's hold. */
export class ResponseHold<Data extends SessionData> {
  readonly #sessions: Sessions<Data>;
  readonly #session: Session<Data>;
  readonly #res: ServerResponse;
  readonly #onCommitError: ((error: unknown) => void) | undefined;
  readonly #send: HeldMethods;
  readonly #onDone: (() => void) | undefined;
  #head:
    | { status: number; message: string | undefined; headers: OutgoingHttpHeaders | undefined }
    | undefined;
  readonly #held: Array<{ kind: 'write'; args: WriteArgs } | { kind: 'end'; args: EndArgs }> = [];
  #state: 'open' | 'committing' | 'done' = 'open';

  /**
   * `send`: the methods that really send (called with the response as `this`); `onDone`: runs
   * when the hold ends, before anything is replayed (the instance patch restores the methods).
   */
  constructor(
    sessions: Sessions<Data>,
    session: Session<Data>,
    res: ServerResponse,
    onCommitError: ((error: unknown) => void) | undefined,
    send: HeldMethods,
    onDone?: () => void,
  ) {
    this.#sessions = sessions;
    this.#session = session;
    this.#res = res;
    this.#onCommitError = onCommitError;
    this.#send = send;
    this.#onDone = onDone;
  }

  /** The response held. */
  get response(): ServerResponse {
    return this.#res;
  }

  /** True once the commit settled: calls go straight to the real methods. */
  get done(): boolean {
    return this.#state === 'done';
  }

  writeHead(status: number, rest: readonly unknown[]): ServerResponse {
    const res = this.#res;
    const [first, second] = rest;
    const message = typeof first === 'string' ? first : undefined;
    const headers = (typeof first === 'string' ? second : first) as OutgoingHttpHeaders | undefined;
    this.#head = { status, message, headers: Array.isArray(headers) ? undefined : headers };
    if (Array.isArray(headers))
      for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(headers[i], headers[i + 1]);
    res.statusCode = status;
    return res;
  }

  write(args: WriteArgs): boolean {
    this.#held.push({ kind: 'write', args });
    this.#start();
    return true;
  }

  end(args: EndArgs): ServerResponse {
    this.#held.push({ kind: 'end', args });
    this.#start();
    return this.#res;
  }

  flushHeaders(): void {
    this.#start();
  }

  #start(): void {
    if (this.#state !== 'open') return;
    this.#state = 'committing';
    const status = this.#head?.status ?? this.#res.statusCode;
    // Fast path: a session the handler never used, or only read, needs no store write, so the
    // response goes out in the same tick instead of waiting on a promise.
    const now = this.#sessions.commitSync(this.#session, { status });
    if (now !== undefined) this.#replay(now);
    else
      this.#sessions.commit(this.#session, { status }).then(
        (result) => this.#replay(result),
        (error: unknown) => this.#fail(error),
      );
  }

  #finish(): void {
    this.#state = 'done';
    this.#onDone?.();
  }

  #replay(result: CommitResult): void {
    this.#finish();
    const res = this.#res;
    const head = this.#head;
    applyHeaders(res, result, head?.headers);
    if (head !== undefined) {
      const args =
        head.message === undefined ? [head.status, head.headers] : [head.status, head.message, head.headers];
      Reflect.apply(this.#send.writeHead, res, args);
    }
    for (const call of this.#held) {
      if (call.kind === 'write') this.#send.write.apply(res, call.args);
      else this.#send.end.apply(res, call.args);
    }
  }

  #fail(error: unknown): void {
    this.#finish();
    const res = this.#res;
    // Nothing has been sent yet: replace the held response with the error.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    if (this.#onCommitError === undefined) sendError(res, error);
    else this.#onCommitError(error);
  }
}

/** Holds `res` by patching its own methods, restored when the hold ends. */
export function holdOnInstance<Data extends SessionData>(
  sessions: Sessions<Data>,
  session: Session<Data>,
  res: ServerResponse,
  onCommitError: ((error: unknown) => void) | undefined,
): void {
  const original: HeldMethods = {
    writeHead: res.writeHead,
    write: res.write,
    end: res.end,
    flushHeaders: res.flushHeaders,
  };
  const hold = new ResponseHold(sessions, session, res, onCommitError, original, () => {
    res.writeHead = original.writeHead;
    res.write = original.write;
    res.end = original.end;
    res.flushHeaders = original.flushHeaders;
  });
  res.writeHead = function heldWriteHead(status: number, ...rest: unknown[]) {
    return hold.writeHead(status, rest);
  } as ServerResponse['writeHead'];
  res.write = function heldWrite(...args: WriteArgs) {
    return hold.write(args);
  } as ServerResponse['write'];
  res.end = function heldEnd(...args: EndArgs) {
    return hold.end(args);
  } as ServerResponse['end'];
  res.flushHeaders = function heldFlushHeaders() {
    hold.flushHeaders();
  };
}

/** Answers `error` on `res`: its status (503 for a store outage) or 500; destroys a response already under way. */
export function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent || res.writableEnded) {
    res.destroy(error instanceof Error ? error : undefined);
    return;
  }
  const status = error instanceof CoatcheckError ? error.status : 500;
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(status === 503 ? 'Service Unavailable: session store unreachable\n' : 'Internal Server Error\n');
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
