/**
 * `req.session` as a getter on Express's base request prototype (the object right above
 * `http.IncomingMessage.prototype`, shared by every app and sub-app of that copy of Express),
 * reading the session from `res.locals`, where express/hold.ts keeps it. Express re-prototypes
 * every `req`, and adding a property to such an object costs several µs (docs/BENCHMARKS.md,
 * "What was found and fixed"); a getter on the prototype costs a request that never reads its
 * session nothing, and one that does a `res.locals` lookup.
 *
 * Assigning `req.session` still works: the setter makes it an own property of that request, as
 * a plain assignment would have, so other code reads back what it assigned.
 */
import { IncomingMessage, type ServerResponse } from 'node:http';
import { sessionInLocals } from './hold.ts';

/** Base prototypes that have our getter. */
const INSTALLED = new WeakSet<object>();

/**
 * True when reading `req.session` reaches our getter (installing it first on the base
 * prototype): Express linked the two objects (its `init` sets `req.res` and `res.req` together),
 * `req` has no `session` of its own, and no prototype between it and IncomingMessage defines one.
 * Otherwise the caller assigns the property.
 * The link is checked as `res.req`, not as `req.res` which the getter reads: `res.send` reads
 * `res.req` too, so this lookup is one Express makes anyway (on Express every property read from
 * `req` or `res` that nobody made before on that request costs a V8 lookup miss: docs/BENCHMARKS.md,
 * "Express's lookup misses, counted").
 */
export function getterServes(req: IncomingMessage, res: ServerResponse): boolean {
  if ((res as { req?: unknown }).req !== req || Object.hasOwn(req, 'session')) return false;
  let base: object | undefined;
  let proto: object | null = Object.getPrototypeOf(req) as object | null;
  while (proto !== null && proto !== IncomingMessage.prototype) {
    if (!INSTALLED.has(proto) && Object.hasOwn(proto, 'session')) return false;
    base = proto;
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  if (proto === null || base === undefined) return false;
  if (!INSTALLED.has(base)) install(base);
  return true;
}

function install(base: object): void {
  INSTALLED.add(base);
  Object.defineProperty(base, 'session', {
    configurable: true,
    enumerable: false,
    get(this: IncomingMessage & { res?: ServerResponse }) {
      const res = this.res;
      return res === undefined ? undefined : sessionInLocals(this, res);
    },
    set(this: IncomingMessage, value: unknown) {
      Object.defineProperty(this, 'session', { value, writable: true, enumerable: true, configurable: true });
    },
  });
}
