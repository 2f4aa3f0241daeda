/**
 * How the Express adapter holds a response until its session is committed, cheaply.
 *
 * Express re-prototypes every `res` (`Object.setPrototypeOf(res, app.response)`), and overriding
 * methods on such an object is slow: measured here, patching and restoring writeHead/write/end/
 * flushHeaders on each request cost about 20 µs, a quarter of a bare Express request. So the four
 * methods are defined once on Express's base response prototype (the object right above
 * `http.ServerResponse.prototype`, shared by every app and sub-app of that copy of Express); each
 * finds the response's hold through `res.req.session` and passes straight through when it has
 * none, or when its commit is done. Code that captures `res.end` later (compression, on-headers) captures ours,
 * and the hold itself is only created when the handler first uses its session.
 *
 * When that is not safe for a response, it is held by patching its own methods instead, as the
 * node adapter does: if something already patched the response's methods (a middleware registered
 * before ours captured the old ones), if a prototype in between defines one of them, if the
 * response is no node:http ServerResponse, or if another coatcheck hold is already on it.
 */
import { type IncomingMessage, ServerResponse } from 'node:http';
import { Session, type SessionData } from '../../core/session.ts';
import type { Sessions } from '../../core/sessions.ts';
import { type ClientIpOptions, loadRequestSession } from '../node/request.ts';
import { HELD_METHODS, type HeldMethods, holdOnInstance, ResponseHold } from '../node/response-hold.ts';

/** Where a response's hold is kept in `res.locals` (not enumerable: templates never see it). */
const HOLD = Symbol('coatcheck.hold');
/** Base prototypes already given our methods, with the methods they had before. */
const PATCHED = new WeakMap<object, HeldMethods>();

type WriteArgs = Parameters<ServerResponse['write']>;
type EndArgs = Parameters<ServerResponse['end']>;

/**
 * Loads the session of `req` and arranges for it to be committed before `res` sends its headers.
 * Held through the prototype, the hold is only created when the handler first uses the session
 * (a request that never does costs nothing); `res.end` captured before that use is our method
 * anyway, so `res.end(await session.get('x'))` is held too.
 */
export function loadAndHold<Data extends SessionData>(
  sessions: Sessions<Data>,
  req: IncomingMessage,
  res: ServerResponse,
  ip: ClientIpOptions,
  onCommitError: (error: unknown) => void,
): Session<Data> {
  const send = prototypeHold(req, res);
  if (send === undefined) {
    const session = loadRequestSession(sessions, req, ip);
    holdOnInstance(sessions, session, res, onCommitError);
    return session;
  }
  return loadRequestSession(sessions, req, ip, {
    onFirstUse: (session) => {
      if (res.headersSent) {
        // Too late for a cookie: commit the unused session now, so this use fails with
        // SessionStateError ("already committed") instead of silently losing its changes.
        sessions.commitSync(session, { status: res.statusCode });
      } else {
        // Found again by the prototype's methods (see holdOf) through res.locals, so app code
        // replacing req.session cannot make the commit be skipped.
        const hold = new ResponseHold(sessions, session, res, onCommitError, send);
        const locals = (res as { locals?: unknown }).locals;
        if (typeof locals === 'object' && locals !== null) {
          Object.defineProperty(locals, HOLD, { value: hold, configurable: true, enumerable: false });
        }
      }
    },
  });
}

/**
 * The hold of `res`: in `res.locals` (a prototype-less object Express makes per request, so a key
 * added there costs no new hidden class, about 1 µs measured), else in the Session behind
 * `res.req.session`. Nothing is stored on `res` or `req` themselves: there, each added property
 * costs about 4 µs. Undefined when the response has no hold, or it is done.
 */
function holdOf(res: ServerResponse): ResponseHold<SessionData> | undefined {
  const locals = (res as { locals?: Record<symbol, unknown> }).locals;
  const hold = locals?.[HOLD];
  return hold instanceof ResponseHold && hold.response === res && !hold.done ? hold : undefined;
}

/** The base prototype's original methods, patching it first if needed; undefined when unsafe. */
function prototypeHold(req: IncomingMessage, res: ServerResponse): HeldMethods | undefined {
  // The prototype's methods find the hold through res.req: Express sets it; anything else, no.
  if ((res as { req?: unknown }).req !== req) return undefined;
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
  PATCHED.set(base, inherited);
  const define = (name: (typeof HELD_METHODS)[number], value: (...args: never[]) => unknown) =>
    Object.defineProperty(base, name, { value, writable: true, configurable: true, enumerable: false });
  define('writeHead', function writeHead(this: ServerResponse, status: number, ...rest: unknown[]) {
    const hold = holdOf(this);
    if (hold === undefined) return Reflect.apply(inherited.writeHead, this, [status, ...rest]);
    return hold.writeHead(status, rest);
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
  return inherited;
}
