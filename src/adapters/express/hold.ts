/**
 * How the Express adapter holds a response until its session is committed, cheaply.
 *
 * Express re-prototypes every `res` (`Object.setPrototypeOf(res, app.response)`), and overriding
 * methods on such an object is slow (docs/BENCHMARKS.md, finding 1). So the four methods are
 * defined once on Express's base response prototype (the object right above
 * `http.ServerResponse.prototype`, shared by every app and sub-app of that copy of Express); each
 * finds the response's hold in `res.locals` and passes straight through when it has none, or when
 * its commit is done. Code that captures `res.end` later (compression, on-headers) captures ours,
 * and the hold itself is only created when the handler first uses its session.
 *
 * When that is not safe for a response, it is held by patching its own methods instead, as the
 * node adapter does: if something already patched the response's methods (a middleware registered
 * before ours captured the old ones), if a prototype in between defines one of them, if the
 * response is no node:http ServerResponse or has no `res.locals`, or if another coatcheck hold is
 * already on it. Either way it is the same ResponseHold, given the same options (the
 * express-session migration's cleanup included), so nothing depends on which path was taken.
 */
import { type IncomingMessage, ServerResponse } from 'node:http';
import { Session, type SessionData, type Sessions } from '../../index.ts';
import { type ClientIpOptions, loadRequestSession } from '../node/request.ts';
import {
  HELD_METHODS,
  type HeldMethods,
  HoldCallbacks,
  type HoldOptions,
  holdOnInstance,
  ResponseHold,
} from '../node/response-hold.ts';

/**
 * The key of a response's hold in `res.locals`, the one place it is kept. A symbol, so templates
 * (which see `res.locals`' string keys) never see it; a plain enumerable property, so an app that
 * replaces `res.locals` by a spread copy (`res.locals = { ...res.locals, user }`) keeps it too.
 */
const HOLD = Symbol('coatcheck.hold');
/** Base prototypes already given our methods, with the methods they had before. */
const PATCHED = new WeakMap<object, HeldMethods>();

type WriteArgs = Parameters<ServerResponse['write']>;
type EndArgs = Parameters<ServerResponse['end']>;

/**
 * Loads the session of `req` and arranges for it to be committed before `res` sends its headers;
 * the caller puts it on `req.session` itself (the path for requests {@link holdInLocals} cannot
 * serve, and for coatcheck/express-session's view).
 * Held through the prototype, the hold is only created when the handler first uses the session
 * (a request that never does costs nothing, not even its options object); `res.end` captured
 * before that use is our method anyway, so `res.end(await session.get('x'))` is held too.
 * `onCommitError` and `onCommitted` are the hold's options (see HoldOptions).
 */
export function loadAndHold<Data extends SessionData>(
  sessions: Sessions<Data>,
  req: IncomingMessage,
  res: ServerResponse,
  ip: ClientIpOptions,
  onCommitError: HoldOptions['onCommitError'],
  onCommitted: HoldOptions['onCommitted'],
): Session<Data> {
  const send = prototypeHold(res);
  if (send === undefined) {
    const session = loadRequestSession(sessions, req, ip);
    holdOnInstance(sessions, session, res, new HoldCallbacks(onCommitError, onCommitted));
    return session;
  }
  return openHeld(sessions, ip, req, res, new HoldCallbacks(onCommitError, onCommitted), send, undefined);
}

/** `openHeld`'s `place` for a session kept in an empty `res.locals` slot. */
const EMPTY = Symbol('coatcheck.empty');

/** What one session middleware shares between its requests. */
export interface HoldOwner<Data extends SessionData> {
  readonly sessions: Sessions<Data>;
  readonly ip: ClientIpOptions;
}

/**
 * A request whose session has not been used yet: its `res.locals` entry until the first use,
 * when the hold takes the slot. Until `req.session` is first read it is one small object (no
 * session, no LoadInput, no closures); then it keeps the session made from the request.
 */
class Deferred<Data extends SessionData> {
  readonly owner: HoldOwner<Data>;
  readonly next: HoldOptions['onCommitError'];
  readonly send: HeldMethods;
  /** The session, once `req.session` was read. */
  session: Session<Data> | undefined = undefined;
  /**
   * Set by the prototype's writeHead when the head went out before the session was used (every
   * way node sends a head goes through `this.writeHead`), so the first use need not ask `res`.
   */
  headSent = false;
  constructor(owner: HoldOwner<Data>, next: HoldOptions['onCommitError'], send: HeldMethods) {
    this.owner = owner;
    this.next = next;
    this.send = send;
  }
}

/**
 * The prototype's methods when `res` can keep its session in `res.locals` alone: held through
 * the prototype, and no other coatcheck middleware has an entry there yet (a second one goes on
 * `req`, as the only one did before). Undefined otherwise.
 */
export function localsHold(res: ServerResponse): HeldMethods | undefined {
  const locals = (res as { locals?: unknown }).locals;
  if (typeof locals !== 'object' || locals === null) return undefined;
  return (locals as Record<symbol, unknown>)[HOLD] === undefined ? prototypeHold(res) : undefined;
}

/**
 * Keeps the session of `req` in `res.locals`, where `req.session` (the prototype's getter, see
 * session-getter.ts) finds it; nothing is added to `req` or `res`. With `deferred`, the session is
 * made from the request when `req.session` is first read: a request that never reads it costs one
 * entry in `res.locals`, and the middleware reads nothing from `req`. Returns the session, or
 * undefined when deferred. `send` comes from {@link localsHold}.
 */
export function holdInLocals<Data extends SessionData>(
  owner: HoldOwner<Data>,
  req: IncomingMessage,
  res: ServerResponse,
  send: HeldMethods,
  onCommitError: HoldOptions['onCommitError'],
  onCommitted: HoldOptions['onCommitted'],
  deferred: boolean,
): Session<Data> | undefined {
  if (deferred) {
    localsOf(res)[HOLD] = new Deferred(owner, onCommitError, send);
    return undefined;
  }
  return openHeld(
    owner.sessions,
    owner.ip,
    req,
    res,
    new HoldCallbacks(onCommitError, onCommitted),
    send,
    EMPTY,
  );
}

/**
 * The session `res.locals` holds for `req` (loading it first if it was deferred), or undefined
 * when no coatcheck middleware held it there (or app code replaced `res.locals` by an object
 * without our key before the first use).
 */
export function sessionInLocals(req: IncomingMessage, res: ServerResponse): Session<SessionData> | undefined {
  const locals = (res as { locals?: unknown }).locals;
  if (typeof locals !== 'object' || locals === null) return undefined;
  const entry = (locals as Record<symbol, unknown>)[HOLD];
  if (entry instanceof ResponseHold) return entry.response === res ? entry.session : undefined;
  if (entry instanceof Deferred) {
    const deferred = entry as Deferred<SessionData>;
    if (deferred.session !== undefined) return deferred.session;
    const { owner, next, send } = deferred;
    deferred.session = openHeld(owner.sessions, owner.ip, req, res, new HoldCallbacks(next), send, deferred);
    return deferred.session;
  }
  return entry instanceof Session ? (entry as Session<SessionData>) : undefined;
}

/**
 * Loads the session and, when `place` is EMPTY, keeps it in `res.locals` if that slot is still
 * empty (undefined: the caller puts it on `req`; a Deferred: that entry keeps it). At its first
 * use the hold takes the slot when it is free or ours, and goes on the instance when another
 * coatcheck middleware's entry has it.
 */
function openHeld<Data extends SessionData>(
  sessions: Sessions<Data>,
  ip: ClientIpOptions,
  req: IncomingMessage,
  res: ServerResponse,
  options: HoldOptions,
  send: HeldMethods,
  place: Deferred<SessionData> | typeof EMPTY | undefined,
): Session<Data> {
  const session = loadRequestSession(sessions, req, ip, {
    onFirstUse: (used) => {
      if (place instanceof Deferred ? place.headSent : res.headersSent) {
        // Too late for a cookie: commit the unused session now, so this use fails with
        // SessionStateError ("already committed") instead of silently losing its changes.
        commitUnused(sessions, used, res.statusCode);
        return;
      }
      const locals = (res as { locals?: unknown }).locals;
      const current = typeof locals === 'object' && locals !== null ? localsOf(res)[HOLD] : used;
      const free =
        current === undefined ||
        current === used ||
        current === place ||
        (current instanceof ResponseHold && current.done);
      if (free) {
        localsOf(res)[HOLD] = new ResponseHold(sessions, used, res, options, send);
      } else {
        // res.locals replaced by app code, or a second coatcheck middleware on this request (another
        // Sessions): this hold goes on the instance and replays through the prototype's methods,
        // so a first hold still commits too.
        holdOnInstance(sessions, used, res, options);
      }
    },
  });
  if (place !== EMPTY) return session;
  const locals = (res as { locals?: unknown }).locals;
  if (typeof locals === 'object' && locals !== null && localsOf(res)[HOLD] === undefined)
    localsOf(res)[HOLD] = session;
  return session;
}

const localsOf = (res: ServerResponse) => (res as unknown as { locals: Record<symbol, unknown> }).locals;

/**
 * Commits a session the handler has not used yet (no store write: nothing to save or lose).
 * Headers are sent, so a failure has no response to go to: it is dropped, never left unhandled.
 */
function commitUnused<Data extends SessionData>(
  sessions: Sessions<Data>,
  session: Session<Data>,
  status: number,
) {
  if (sessions.commitSync(session, { status }) === undefined) {
    sessions.commit(session, { status }).catch(() => {});
  }
}

/**
 * The hold of `res`, from `res.locals` (a prototype-less object Express makes per request, so a
 * key added there costs no new hidden class; docs/BENCHMARKS.md, finding 2). Nothing is stored on
 * `res` or `req` themselves, where each added property costs more. Undefined when the response
 * has no hold, or it is done.
 */
function holdOf(res: ServerResponse): ResponseHold<SessionData> | undefined {
  return activeHold(res, entryOf(res));
}

/** What `res.locals` keeps under our key, if anything. */
const entryOf = (res: ServerResponse): unknown =>
  (res as { locals?: Record<symbol, unknown> }).locals?.[HOLD];

/** `entry` when it is the active hold of `res`. */
function activeHold(res: ServerResponse, entry: unknown): ResponseHold<SessionData> | undefined {
  return entry instanceof ResponseHold && entry.response === res && !entry.done ? entry : undefined;
}

/** The base prototype's original methods, patching it first if needed; undefined when unsafe. */
function prototypeHold(res: ServerResponse): HeldMethods | undefined {
  // The prototype's methods find the hold in res.locals: Express makes it; anything else, no.
  const locals = (res as { locals?: unknown }).locals;
  if (typeof locals !== 'object' || locals === null) return undefined;
  for (const name of HELD_METHODS) if (Object.hasOwn(res, name)) return undefined;
  let base: object | undefined;
  let proto: object | null = Object.getPrototypeOf(res) as object | null;
  while (proto !== null && proto !== ServerResponse.prototype) {
    if (!PATCHED.has(proto))
      for (const name of HELD_METHODS) if (Object.hasOwn(proto, name)) return undefined;
    base = proto;
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  if (proto === null || base === undefined) return undefined;
  return PATCHED.get(base) ?? patchBase(base as ServerResponse);
}

function patchBase(base: ServerResponse): HeldMethods {
  const inherited: HeldMethods = {
    writeHead: base.writeHead,
    write: base.write,
    end: base.end,
    flushHeaders: base.flushHeaders,
  };
  // What a hold sends through: the inherited methods, marking the response as replaying while
  // node's write()/end() run, so the writeHead node calls from inside them (the implicit head)
  // passes straight through without looking in res.locals again (a lookup miss on Express).
  const replay: HeldMethods = {
    writeHead: inherited.writeHead,
    write: replaying(inherited.write),
    end: replaying(inherited.end),
    flushHeaders: inherited.flushHeaders,
  };
  PATCHED.set(base, replay);
  const define = (name: (typeof HELD_METHODS)[number], value: (...args: never[]) => unknown) =>
    Object.defineProperty(base, name, { value, writable: true, configurable: true, enumerable: false });
  // Node's own end() calls writeHead on every response, after the commit: the pass-through
  // forwards its arguments as they came (one rest array), with no array built around them.
  define('writeHead', function writeHead(this: ServerResponse, ...args: [number, ...unknown[]]) {
    if (replayingNow === this) return Reflect.apply(inherited.writeHead, this, args);
    const entry = entryOf(this);
    const hold = activeHold(this, entry);
    if (hold !== undefined) return hold.writeHead(args[0], args.slice(1));
    const sent = Reflect.apply(inherited.writeHead, this, args);
    // An unused deferred session learns here that its head went out (see Deferred.headSent).
    if (entry instanceof Deferred) entry.headSent = true;
    return sent;
  });
  define('write', function write(this: ServerResponse, ...args: WriteArgs) {
    const hold = holdOf(this);
    if (hold === undefined) return inherited.write.apply(this, args);
    return hold.write(args);
  });
  define('end', function end(this: ServerResponse, ...args: EndArgs) {
    const hold = holdOf(this);
    if (hold === undefined) return inherited.end.apply(this, args);
    return hold.end(args);
  });
  define('flushHeaders', function flushHeaders(this: ServerResponse) {
    const hold = holdOf(this);
    if (hold === undefined) inherited.flushHeaders.call(this);
    else hold.flushHeaders();
  });
  return replay;
}

/** The response whose held calls are being replayed (see patchBase), if any. */
let replayingNow: ServerResponse | undefined;

/** `send` (node's write or end), run with `this` marked as replaying. */
function replaying<F extends ServerResponse['write'] | ServerResponse['end']>(send: F): F {
  return function replayingSend(this: ServerResponse, ...args: unknown[]) {
    const outer = replayingNow;
    replayingNow = this;
    try {
      return Reflect.apply(send, this, args);
    } finally {
      replayingNow = outer;
    }
  } as F;
}
