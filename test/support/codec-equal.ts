/**
 * Equality of session values as the codec sees them, used so that setting an equal value is not a
 * change. Not used by core, which compares encoded text (session-values.ts): a reference the codec tests check the encoding against.
 */

const ObjectProto = Object.prototype;
const hasOwn = Object.prototype.hasOwnProperty;
/** Deeper than this, {@link codecEqual} answers "not equal" (always safe: the caller then encodes). */
const EQUAL_MAX_DEPTH = 256;

/**
 * Structural equality of two values as the codec sees them, so setting an equal value is not a
 * change: numbers by `Object.is` (so `-0` differs from `0`, `NaN` equals `NaN`), Dates by time,
 * arrays/Maps/Sets by content in order, plain objects by own keys in any order (an `undefined`
 * property counts as absent). Anything the codec cannot encode (functions, symbols, class
 * instances, cycles) is never equal, so the caller goes on to encode it and gets the CodecError.
 */
export function codecEqual(a: unknown, b: unknown): boolean {
  return equalWalk(a, b, []);
}

function equalWalk(a: unknown, b: unknown, ancestors: object[]): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    if (a === undefined || typeof a === 'function' || typeof a === 'symbol') return false;
    return Object.is(a, b);
  }
  // Recursion follows `a`, so a cycle in `a` is the only way it could not end.
  if (ancestors.length >= EQUAL_MAX_DEPTH || ancestors.includes(a)) return false;
  const proto: unknown = Object.getPrototypeOf(a);
  const protoB: unknown = Object.getPrototypeOf(b);
  if (proto === Date.prototype) {
    if (protoB !== Date.prototype) return false;
    const time = (a as Date).getTime();
    return !Number.isNaN(time) && time === (b as Date).getTime();
  }
  ancestors.push(a);
  let equal = false;
  if (proto === Array.prototype) {
    equal = protoB === Array.prototype && equalArrays(a as unknown[], b as unknown[], ancestors);
  } else if (proto === ObjectProto || proto === null) {
    equal = (protoB === ObjectProto || protoB === null) && equalObjects(a, b, ancestors);
  } else if (proto === Map.prototype) {
    equal =
      protoB === Map.prototype &&
      equalMaps(a as Map<unknown, unknown>, b as Map<unknown, unknown>, ancestors);
  } else if (proto === Set.prototype) {
    equal = protoB === Set.prototype && equalSequences(a as Set<unknown>, b as Set<unknown>, ancestors);
  }
  ancestors.pop();
  return equal;
}

function equalArrays(a: unknown[], b: unknown[], ancestors: object[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!equalWalk(a[i], b[i], ancestors)) return false;
  return true;
}

function equalObjects(a: object, b: object, ancestors: object[]): boolean {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let count = 0;
  for (const key of Object.keys(ra)) {
    const value = ra[key];
    if (value === undefined) continue;
    count++;
    if (!hasOwn.call(rb, key) || !equalWalk(value, rb[key], ancestors)) return false;
  }
  for (const key of Object.keys(rb)) if (rb[key] !== undefined) count--;
  return count === 0;
}

function equalMaps(a: Map<unknown, unknown>, b: Map<unknown, unknown>, ancestors: object[]): boolean {
  if (a.size !== b.size) return false;
  const other = b.entries();
  for (const [key, value] of a) {
    const next = other.next();
    if (next.done === true) return false;
    if (!equalWalk(key, next.value[0], ancestors) || !equalWalk(value, next.value[1], ancestors))
      return false;
  }
  return true;
}

function equalSequences(a: Set<unknown>, b: Set<unknown>, ancestors: object[]): boolean {
  if (a.size !== b.size) return false;
  const other = b.values();
  for (const value of a) {
    const next = other.next();
    if (next.done === true || !equalWalk(value, next.value, ancestors)) return false;
  }
  return true;
}
