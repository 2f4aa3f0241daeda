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
import type { CommitResult, Session, SessionData, Sessions } from '../../index.ts';
import {
  applyResponseHeaders,
  commitThen,
  errorStatus,
  errorText,
  type HeaderTarget,
} from '../kit/response.ts';

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

/** What a hold does besides committing. */
export interface HoldOptions {
  /**
   * Called instead of answering the error when the commit fails. Nothing has been sent and the
   * held response's headers are removed, so it may write a whole new response (Express: `next`).
   * Default: a plain-text answer with the error's status (503 for a store outage).
   */
  readonly onCommitError?: ((error: unknown) => void) | undefined;
  /**
   * Runs once the commit succeeded, before the headers go out, with the response's status; may
   * return one more Set-Cookie value (the express-session migration clears the old cookie so).
   */
  readonly onCommitted?: ((status: number) => string | undefined) | undefined;
}

/**
 * HoldOptions as a class instance, which is what every adapter passes. Why not an object literal:
 * the hold keeps its options for as long as the response lives, and on Express (which keeps
 * every request alive across several scavenges) V8 then pretenures the literal's allocation site;
 * from then on each literal is born in the old generation pointing at the request's young
 * `next` closure, so that closure and everything it reaches (req, res, the router's state, the
 * session) is promoted with every request. Measured: 3.8 KB promoted per request, the whole of
 * coatcheck's promotion on Express (docs/BENCHMARKS.md, "Why Express promotes what a session
 * keeps, and the fix"; `npm run bench:gc`). Class instances carry no allocation site, so they are never
 * pretenured. The same holds for the other objects a hold keeps (HeldHead, HeldCall).
 */
export class HoldCallbacks implements HoldOptions {
  readonly onCommitError: HoldOptions['onCommitError'];
  readonly onCommitted: HoldOptions['onCommitted'];

  constructor(onCommitError: HoldOptions['onCommitError'], onCommitted?: HoldOptions['onCommitted']) {
    this.onCommitError = onCommitError;
    this.onCommitted = onCommitted;
  }
}

/** A write or end call made while held (a class for the reason given at HoldCallbacks). */
class HeldCall {
  readonly end: boolean;
  readonly args: WriteArgs | EndArgs;

  constructor(end: boolean, args: WriteArgs | EndArgs) {
    this.end = end;
    this.args = args;
  }
}

/** The status line and headers given to a held writeHead (a class, see HoldCallbacks). */
class HeldHead {
  readonly status: number;
  readonly message: string | undefined;
  readonly headers: OutgoingHttpHeaders | undefined;

  constructor(status: number, message: string | undefined, headers: OutgoingHttpHeaders | undefined) {
    this.status = status;
    this.message = message;
    this.headers = headers;
  }
}

/** One response's hold. */
export class ResponseHold<Data extends SessionData> {
  readonly #sessions: Sessions<Data>;
  readonly #session: Session<Data>;
  readonly #res: ServerResponse;
  readonly #options: HoldOptions;
  readonly #send: HeldMethods;
  readonly #onDone: (() => void) | undefined;
  #head: HeldHead | undefined;
  /** Calls made while held, in order, once there are two; most responses make one, end(). */
  #held: HeldCall[] | undefined;
  /** The arguments of end() when it was the only call held. */
  #onlyEnd: EndArgs | undefined;
  #state: 'open' | 'committing' | 'done' = 'open';
  #status = 200;

  /**
   * `send`: the methods that really send (called with the response as `this`); `onDone`: runs
   * when the hold ends, before anything is replayed (the instance patch restores the methods).
   */
  constructor(
    sessions: Sessions<Data>,
    session: Session<Data>,
    res: ServerResponse,
    options: HoldOptions,
    send: HeldMethods,
    onDone?: () => void,
  ) {
    this.#sessions = sessions;
    this.#session = session;
    this.#res = res;
    this.#options = options;
    this.#send = send;
    this.#onDone = onDone;
  }

  /** The response held. */
  get response(): ServerResponse {
    return this.#res;
  }

  /** The session held (Express's `req.session` getter reads it back from the hold). */
  get session(): Session<Data> {
    return this.#session;
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
    this.#head = new HeldHead(status, message, Array.isArray(headers) ? undefined : headers);
    if (Array.isArray(headers))
      for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(headers[i], headers[i + 1]);
    res.statusCode = status;
    return res;
  }

  write(args: WriteArgs): boolean {
    this.#queue(new HeldCall(false, args));
    this.#start();
    return true;
  }

  end(args: EndArgs): ServerResponse {
    if (this.#held === undefined && this.#onlyEnd === undefined) this.#onlyEnd = args;
    else this.#queue(new HeldCall(true, args));
    this.#start();
    return this.#res;
  }

  #queue(call: HeldCall): void {
    if (this.#held === undefined) {
      this.#held = this.#onlyEnd === undefined ? [] : [new HeldCall(true, this.#onlyEnd)];
      this.#onlyEnd = undefined;
    }
    this.#held.push(call);
  }

  flushHeaders(): void {
    this.#start();
  }

  #start(): void {
    if (this.#state !== 'open') return;
    this.#state = 'committing';
    this.#status = this.#head?.status ?? this.#res.statusCode;
    // A session the handler never used, or only read, needs no store write: the response then
    // goes out in the same tick instead of waiting on a promise.
    commitThen(
      this.#sessions,
      this.#session,
      this.#status,
      (result) => this.#replay(result),
      (error) => this.#fail(error),
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
    const target = new HeldHeaders(res, head?.headers);
    applyResponseHeaders(result, target);
    const extra = this.#options.onCommitted?.(this.#status);
    if (extra !== undefined) target.append('set-cookie', extra);
    if (head !== undefined) {
      const args =
        head.message === undefined ? [head.status, head.headers] : [head.status, head.message, head.headers];
      Reflect.apply(this.#send.writeHead, res, args);
    }
    if (this.#onlyEnd !== undefined) this.#send.end.apply(res, this.#onlyEnd);
    for (const call of this.#held ?? []) {
      if (call.end) this.#send.end.apply(res, call.args as EndArgs);
      else this.#send.write.apply(res, call.args as WriteArgs);
    }
  }

  #fail(error: unknown): void {
    if (this.#state !== 'done') this.#finish();
    const res = this.#res;
    if (res.headersSent) {
      // The replay itself failed part-way (a header the handler gave was invalid, say).
      res.destroy(error instanceof Error ? error : undefined);
      return;
    }
    // Nothing has been sent yet: replace the held response with the error.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    const onCommitError = this.#options.onCommitError;
    if (onCommitError === undefined) sendError(res, error);
    else onCommitError(error);
  }
}

/**
 * The response's headers as a HeaderTarget. A header also given to writeHead is changed there:
 * node lets those win over the ones set with setHeader.
 */
class HeldHeaders implements HeaderTarget {
  readonly #res: ServerResponse;
  readonly #head: OutgoingHttpHeaders | undefined;

  constructor(res: ServerResponse, head: OutgoingHttpHeaders | undefined) {
    this.#res = res;
    this.#head = head;
  }

  get(name: string): string | undefined {
    const key = this.#inHead(name);
    return key === undefined ? this.#res.getHeader(name)?.toString() : String(this.#head?.[key]);
  }

  set(name: string, value: string): void {
    const key = this.#inHead(name);
    if (key === undefined) this.#res.setHeader(name, value);
    else if (this.#head !== undefined) this.#head[key] = value;
  }

  append(name: string, value: string): void {
    const key = this.#inHead(name);
    if (key === undefined) this.#res.appendHeader(name, value);
    else if (this.#head !== undefined) {
      const list = this.#head[key];
      this.#head[key] = [...(Array.isArray(list) ? list : [String(list)]), value];
    }
  }

  #inHead(name: string): string | undefined {
    if (this.#head === undefined) return undefined;
    for (const key of Object.keys(this.#head)) if (key.toLowerCase() === name) return key;
    return undefined;
  }
}

/** Holds `res` by patching its own methods, restored when the hold ends. */
export function holdOnInstance<Data extends SessionData>(
  sessions: Sessions<Data>,
  session: Session<Data>,
  res: ServerResponse,
  options: HoldOptions,
): void {
  const original: HeldMethods = {
    writeHead: res.writeHead,
    write: res.write,
    end: res.end,
    flushHeaders: res.flushHeaders,
  };
  const hold = new ResponseHold(sessions, session, res, options, original, () => {
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
  const status = errorStatus(error);
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(errorText(status));
}
