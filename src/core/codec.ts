/**
 * The value codec: one session value to one JSON string and back, safely.
 *
 * Plain JSON values encode as themselves (`"hi"`, `{"a":1}`), so stored data stays compact,
 * greppable and valid jsonb. Other supported types become a tagged object `{"$cc":<tag>,"v":…}`:
 * `Date` (ISO string), `BigInt` (decimal string), `Map` (`[[k,v],…]`), `Set` (`[…]`), `Number`
 * (`"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"`, which JSON would otherwise lose), and `Object`
 * (escapes a user object that itself has a `$cc` key, so round trips are exact).
 *
 * SECURITY (CWE-502, deserialization of untrusted data): decoding only ever builds null, booleans,
 * numbers, strings, bigints, plain objects, arrays, Dates, Maps and Sets. It never constructs
 * functions, class instances or prototypes from stored text, and it rejects the keys `__proto__`,
 * `constructor` and `prototype` anywhere (object keys and string Map keys), because `JSON.parse`
 * turns `"__proto__"` into an own property that a later merge or spread could promote to a prototype.
 */
import { CodecError, CorruptRecordError } from './errors.ts';

/** Limits applied to every encoded and decoded value. */
export interface CodecLimits {
  /** Maximum nesting depth of objects/arrays/maps/sets. Default 32. */
  readonly maxDepth: number;
  /** Maximum length in UTF-8 bytes of ONE encoded value. Default 65536. */
  readonly maxBytes: number;
}

/** `{ maxDepth: 32, maxBytes: 65536 }`. */
export const defaultCodecLimits: CodecLimits = Object.freeze({ maxDepth: 32, maxBytes: 65536 });

const TAG = '$cc';
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const ObjectProto = Object.prototype;
const hasOwn = Object.prototype.hasOwnProperty;

function isForbiddenKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

/** Internal failure that collects its path on the way up; turned into a public error at the top. */
class Failure {
  readonly segments: string[] = [];
  constructor(readonly reason: string) {}
}

function addSegment(error: unknown, segment: string): unknown {
  if (error instanceof Failure) error.segments.push(segment);
  return error;
}

function keySegment(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function formatPath(failure: Failure): string {
  if (failure.segments.length === 0) return 'the top-level value';
  const path = failure.segments.reverse().join('');
  return path.charCodeAt(0) === 46 ? path.slice(1) : path;
}

/** True when the UTF-8 form of a well-formed string is longer than `limit` bytes. */
function overLimit(text: string, limit: number): boolean {
  // Fast path: every UTF-16 unit takes 1 to 3 UTF-8 bytes (a surrogate pair: 2 units, 4 bytes).
  return text.length > limit || (text.length * 3 > limit && utf8Length(text, limit) > limit);
}

/** UTF-8 length of a well-formed string; stops counting once past `stopAfter`. */
function utf8Length(text: string, stopAfter = Number.POSITIVE_INFINITY): number {
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= stopAfter; i++) {
    const c = text.charCodeAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
  }
  return bytes;
}

function specialNumber(n: number): string | undefined {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'Infinity';
  if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (n === 0 && 1 / n < 0) return '-0';
  return undefined;
}

function describe(value: object): string {
  return Object.prototype.toString.call(value).slice(8, -1);
}

// ---------------------------------------------------------------------------------------------
// Encoding: a validating walk that returns the input itself when it is already plain JSON
// (fast path: no copy, then one JSON.stringify) and a copy with tagged objects otherwise.

interface EncodeState {
  readonly maxDepth: number;
  /** Containers currently being walked, to tell a cycle from a shared (acyclic) reference. */
  readonly ancestors: object[];
}

function encodeWalk(value: unknown, depth: number, state: EncodeState): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number': {
      const special = Number.isFinite(value) && value !== 0 ? undefined : specialNumber(value);
      return special === undefined ? value : { [TAG]: 'Number', v: special };
    }
    case 'bigint':
      return { [TAG]: 'BigInt', v: value.toString() };
    case 'undefined':
      throw new Failure('undefined is not supported here (delete the key instead)');
    case 'function':
      throw new Failure('functions are not supported');
    case 'symbol':
      throw new Failure('symbols are not supported');
  }
  if (value === null) return null;
  const object = value as object;
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto === Date.prototype) {
    const time = (object as Date).getTime();
    if (Number.isNaN(time)) throw new Failure('invalid Date is not supported');
    return { [TAG]: 'Date', v: (object as Date).toISOString() };
  }
  const isArray = proto === Array.prototype && Array.isArray(object);
  const isPlain = proto === ObjectProto || proto === null;
  if (!isArray && !isPlain && proto !== Map.prototype && proto !== Set.prototype) {
    throw new Failure(`${describe(object)} instances are not supported (use plain objects)`);
  }
  if (state.ancestors.includes(object)) throw new Failure('circular reference');
  checkDepth(depth, state.maxDepth);
  state.ancestors.push(object);
  let result: unknown;
  if (isArray) result = encodeArray(object as unknown[], depth, state);
  else if (isPlain) result = encodeObject(object as Record<string, unknown>, depth, state);
  else if (proto === Map.prototype) result = encodeMap(object as Map<unknown, unknown>, depth, state);
  else result = encodeSet(object as Set<unknown>, depth, state);
  state.ancestors.pop();
  return result;
}

/** Encodes a child; on failure adds its path segment (built only then, never on success). */
function encodeChild(value: unknown, depth: number, state: EncodeState, key: string | number): unknown {
  try {
    return encodeWalk(value, depth + 1, state);
  } catch (error) {
    throw addSegment(error, typeof key === 'number' ? `[${key}]` : keySegment(key));
  }
}

function encodeArray(array: unknown[], depth: number, state: EncodeState): unknown[] {
  // JSON.stringify would call an own toJSON instead of writing the elements.
  if ((array as { toJSON?: unknown }).toJSON !== undefined) throw new Failure('arrays with toJSON');
  let copy: unknown[] | undefined;
  for (let i = 0; i < array.length; i++) {
    const element = array[i];
    const out = encodeChild(element, depth, state, i);
    if (copy !== undefined) copy.push(out);
    else if (out !== element) {
      copy = array.slice(0, i);
      copy.push(out);
    }
  }
  return copy ?? array;
}

function encodeObject(object: Record<string, unknown>, depth: number, state: EncodeState): unknown {
  const keys = Object.keys(object);
  let copy: Record<string, unknown> | undefined;
  let escaped = false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (isForbiddenKey(key))
      throw addSegment(new Failure('forbidden key (prototype pollution)'), keySegment(key));
    if (key === TAG) escaped = true;
    const child = object[key];
    // Like JSON, an undefined property is dropped: JSON.stringify skips it, so it needs no copy.
    if (child === undefined) continue;
    const out = encodeChild(child, depth, state, key);
    if (copy !== undefined) copy[key] = out;
    else if (out !== child) {
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j]!] = object[keys[j]!];
      copy[key] = out;
    }
  }
  const plain = copy ?? object;
  return escaped ? { [TAG]: 'Object', v: plain } : plain;
}

function encodeMap(map: Map<unknown, unknown>, depth: number, state: EncodeState): unknown {
  const entries: unknown[] = [];
  for (const [key, value] of map) {
    const at = `.entries()[${entries.length}]`;
    if (typeof key === 'string' && isForbiddenKey(key)) {
      throw addSegment(new Failure(`the Map key ${JSON.stringify(key)} is forbidden`), `${at}[0]`);
    }
    const k = addPrefix(() => encodeChild(key, depth, state, 0), at);
    const v = addPrefix(
      () => encodeWalk(value, depth + 1, state),
      typeof key === 'string' ? `.get(${JSON.stringify(key)})` : `${at}[1]`,
    );
    entries.push([k, v]);
  }
  return { [TAG]: 'Map', v: entries };
}

function encodeSet(set: Set<unknown>, depth: number, state: EncodeState): unknown {
  const values: unknown[] = [];
  for (const value of set)
    values.push(addPrefix(() => encodeChild(value, depth, state, values.length), '.values()'));
  return { [TAG]: 'Set', v: values };
}

/** Maps and Sets are rare enough to afford a closure per entry. */
function addPrefix(encode: () => unknown, segment: string): unknown {
  try {
    return encode();
  } catch (error) {
    throw addSegment(error, segment);
  }
}

/**
 * Encodes one session value as JSON text.
 *
 * Supported: null, booleans, numbers (NaN, ±Infinity and -0 included, as tagged values), strings,
 * bigints, plain objects (prototype `Object.prototype` or null; null-prototype objects come back with
 * `Object.prototype`), arrays, valid Dates, Maps and Sets of supported values. Shared references are
 * fine (each is written out in full); cycles are not. An `undefined` object property is dropped,
 * like JSON; symbol-keyed properties are ignored, like JSON.
 *
 * @throws CodecError (`COATCHECK_CODEC`) for functions, symbols, `undefined` at the top level or in an
 *   array/Map/Set, class instances (typed arrays, RegExp, Error, …), invalid Dates, cycles, the keys
 *   `__proto__`/`constructor`/`prototype`, nesting deeper than `limits.maxDepth`, and output over
 *   `limits.maxBytes` UTF-8 bytes. The message names the path, e.g. `cart[2].price`.
 */
export function encodeValue(value: unknown, limits: CodecLimits = defaultCodecLimits): string {
  let json: unknown;
  try {
    json = encodeWalk(value, 0, { maxDepth: limits.maxDepth, ancestors: [] });
  } catch (error) {
    if (error instanceof Failure)
      throw new CodecError(`Cannot encode ${formatPath(error)}: ${error.reason}.`);
    throw error;
  }
  const text = JSON.stringify(json);
  if (overLimit(text, limits.maxBytes)) {
    throw new CodecError(
      `Encoded value is ${utf8Length(text)} bytes, over the limit of ${limits.maxBytes} bytes ` +
        '(codecLimits.maxBytes); keep less in the session or raise the limit.',
    );
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Decoding: JSON.parse, then a validating walk. Plain data comes back as parsed (no copy).

function decodeWalk(value: unknown, depth: number, maxDepth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  // Tagged scalars (Date, BigInt, Number) are not containers and do not count towards the depth.
  if (hasOwn.call(value, TAG)) return decodeTagged(value as Record<string, unknown>, depth, maxDepth);
  checkDepth(depth, maxDepth);
  if (Array.isArray(value)) return decodeArray(value, depth, maxDepth);
  return decodeObject(value as Record<string, unknown>, depth, maxDepth);
}

function checkDepth(depth: number, maxDepth: number): void {
  if (depth >= maxDepth) throw new Failure(`nesting deeper than maxDepth ${maxDepth}`);
}

function decodeArray(array: unknown[], depth: number, maxDepth: number): unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < array.length; i++) {
    const element = array[i];
    const out = decodeWalk(element, depth + 1, maxDepth);
    if (copy !== undefined) copy.push(out);
    else if (out !== element) {
      copy = array.slice(0, i);
      copy.push(out);
    }
  }
  return copy ?? array;
}

/** `object` came from JSON.parse, so its prototype is Object.prototype; only own keys matter. */
function decodeObject(object: Record<string, unknown>, depth: number, maxDepth: number): unknown {
  const keys = Object.keys(object);
  let copy: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    // SECURITY: JSON.parse makes "__proto__" an own property; a later spread or merge could turn it
    // into a prototype (prototype pollution), so a record containing one is corrupt, not data.
    if (isForbiddenKey(key)) throw new Failure(`forbidden key ${JSON.stringify(key)}`);
    const child = object[key];
    const out = decodeWalk(child, depth + 1, maxDepth);
    if (copy !== undefined) copy[key] = out;
    else if (out !== child) {
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j]!] = object[keys[j]!];
      copy[key] = out;
    }
  }
  return copy ?? object;
}

const SPECIAL_NUMBERS = new Map<unknown, number>([
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['-0', -0],
]);
const BIGINT = /^(?:0|-?[1-9]\d*)$/;

function decodeTagged(object: Record<string, unknown>, depth: number, maxDepth: number): unknown {
  const tag = object[TAG];
  const v = object.v;
  if (Object.keys(object).length !== 2 || !hasOwn.call(object, 'v')) {
    throw new Failure('tagged value must have exactly the keys "$cc" and "v"');
  }
  if (tag === 'Object' || tag === 'Map' || tag === 'Set') checkDepth(depth, maxDepth);
  switch (tag) {
    case 'Date': {
      if (typeof v !== 'string') break;
      const date = new Date(v);
      if (Number.isNaN(date.getTime()) || date.toISOString() !== v) break;
      return date;
    }
    case 'BigInt':
      if (typeof v !== 'string' || !BIGINT.test(v)) break;
      return BigInt(v);
    case 'Number':
      if (!SPECIAL_NUMBERS.has(v)) break;
      return SPECIAL_NUMBERS.get(v);
    case 'Object':
      if (typeof v !== 'object' || v === null || Array.isArray(v) || !hasOwn.call(v, TAG)) break;
      return decodeObject(v as Record<string, unknown>, depth, maxDepth);
    case 'Map': {
      if (!Array.isArray(v)) break;
      const map = new Map<unknown, unknown>();
      for (const entry of v) {
        if (!Array.isArray(entry) || entry.length !== 2) throw new Failure('malformed Map entry');
        const key = decodeWalk(entry[0], depth + 1, maxDepth);
        if (typeof key === 'string' && isForbiddenKey(key)) {
          throw new Failure(`forbidden Map key ${JSON.stringify(key)}`);
        }
        map.set(key, decodeWalk(entry[1], depth + 1, maxDepth));
      }
      if (map.size !== v.length) throw new Failure('duplicate Map key');
      return map;
    }
    case 'Set': {
      if (!Array.isArray(v)) break;
      const set = new Set<unknown>();
      for (const element of v) set.add(decodeWalk(element, depth + 1, maxDepth));
      if (set.size !== v.length) throw new Failure('duplicate Set element');
      return set;
    }
    default:
      throw new Failure(typeof tag === 'string' ? `unknown tag ${JSON.stringify(tag)}` : 'malformed tag');
  }
  throw new Failure(`malformed ${tag} value`);
}

/**
 * Decodes text produced by {@link encodeValue}. Objects come back as plain objects with
 * `Object.prototype`; nothing else (no function, class instance or prototype) is ever constructed.
 *
 * @throws CorruptRecordError (`COATCHECK_CORRUPT_RECORD`) for anything that is not valid JSON, an
 *   unknown or malformed tag, a forbidden key (`__proto__`, `constructor`, `prototype`), nesting
 *   deeper than `limits.maxDepth` or text over `limits.maxBytes` UTF-8 bytes. Never another type.
 */
export function decodeValue(text: string, limits: CodecLimits = defaultCodecLimits): unknown {
  if (typeof text !== 'string') throw new CorruptRecordError('Stored session value is not a string.');
  if (overLimit(text, limits.maxBytes)) {
    throw new CorruptRecordError(`Stored session value is over codecLimits.maxBytes (${limits.maxBytes}).`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CorruptRecordError('Stored session value is not valid JSON.', error);
  }
  // Fast path: strings, numbers, booleans and null need no walk.
  if (typeof parsed !== 'object' || parsed === null) return parsed;
  try {
    return decodeWalk(parsed, 0, limits.maxDepth);
  } catch (error) {
    if (error instanceof Failure) {
      throw new CorruptRecordError(`Stored session value cannot be decoded: ${error.reason}.`);
    }
    // e.g. RangeError from BigInt or a stack overflow: still only ever a corrupt record.
    throw new CorruptRecordError('Stored session value cannot be decoded.', error);
  }
}
