/**
 * The table's item layout. One table, one string partition key `pk`, no sort key:
 *
 * - a session record, `pk` = `s#<store key>`: `d` (map: `_<name>` → the encoded value, so an
 *   empty or odd data key is still a valid map key), `u` userId (absent when anonymous), `c`
 *   createdAt, `l` lastSeenAt, `e` expiresAt, `a` absoluteExpiresAt, `r` rev, and the TTL
 *   attribute = expiresAt in whole seconds (rounded up). While a rotation is under way also `cn`
 *   (the key it moves to) and `ct` (until when that claim holds, ms).
 * - a forwarder, once rotated away (same `pk`): `fs` successor, `fr` readableUntil, `fw`
 *   forwardWrites, `fu` forwardUntil, `fo` the old record's userId, TTL = forwardUntil. It has no
 *   `e`, so no condition written for records ever takes it for live.
 * - a user's index, `pk` = `u#<userId>`: `m` (map: store key → when it was added, ms; minus when
 *   an `evictOldest` admission marked it for ending). See `user-index.ts`.
 *
 * Times are numbers in ms exactly as core computed them. `<store key>` is core's hashed key,
 * never a ticket.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CorruptRecordError } from '../../core/errors.ts';
import type { EncodedData, NewStoreRecord, StoreRecord } from '../../core/store.ts';
import type { Item } from './driver.ts';

/** Attribute names. */
export const A = {
  data: 'd',
  user: 'u',
  created: 'c',
  lastSeen: 'l',
  expires: 'e',
  absolute: 'a',
  rev: 'r',
  claimTo: 'cn',
  claimUntil: 'ct',
  successor: 'fs',
  readableUntil: 'fr',
  forwardWrites: 'fw',
  forwardUntil: 'fu',
  forwardOwner: 'fo',
  members: 'm',
} as const;

/** The prefix of every data key inside `d`. */
const DATA_KEY = '_';

/** The partition key of a session (record or forwarder). */
export function sessionPk(key: string): string {
  return `s#${key}`;
}

/** The partition key of a user's index item. */
export function userPk(userId: string): string {
  return `u#${userId}`;
}

/** The map key inside `d` of data key `name`. */
export function dataKey(name: string): string {
  return DATA_KEY + name;
}

/** The TTL attribute's value for a deadline in ms: whole seconds, never before the deadline. */
export function ttlSeconds(deadline: number): AttributeValue {
  return { N: String(Math.max(0, Math.ceil(deadline / 1000))) };
}

/** A number attribute. */
export function num(value: number): AttributeValue {
  return { N: String(value) };
}

/** The number in attribute `name` of `item`, or `undefined`. */
export function numberOf(item: Item, name: string): number | undefined {
  const value = item[name]?.N;
  return value === undefined ? undefined : Number(value);
}

/** The string in attribute `name` of `item`, or `undefined`. */
export function stringOf(item: Item, name: string): string | undefined {
  return item[name]?.S;
}

/** The `d` map of encoded data as a DynamoDB map. */
export function dataMap(data: EncodedData): AttributeValue {
  const map: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(data)) map[dataKey(name)] = { S: value };
  return { M: map };
}

/** The item of a new record (rev 1) at store key `key`. */
export function recordItem(key: string, record: NewStoreRecord, ttlAttribute: string): Item {
  const item: Item = {
    pk: { S: sessionPk(key) },
    [A.data]: dataMap(record.data),
    [A.created]: num(record.createdAt),
    [A.lastSeen]: num(record.lastSeenAt),
    [A.expires]: num(record.expiresAt),
    [A.absolute]: num(record.absoluteExpiresAt),
    [A.rev]: num(1),
    [ttlAttribute]: ttlSeconds(record.expiresAt),
  };
  if (record.userId !== null) item[A.user] = { S: record.userId };
  return item;
}

/** Whether `item` is a session record (not a forwarder, not a user's index). */
export function isRecord(item: Item | undefined): item is Item {
  return item?.[A.expires]?.N !== undefined;
}

/** Whether `item` is a forwarder. */
export function isForwarder(item: Item | undefined): item is Item {
  return item?.[A.successor]?.S !== undefined;
}

function required(item: Item, name: string): number {
  const value = numberOf(item, name);
  if (value === undefined || !Number.isFinite(value)) {
    throw new CorruptRecordError(`dynamoDbStore: a session item lacks its numeric attribute "${name}"`);
  }
  return value;
}

/** The encoded data of a record item, keys decoded. Null-prototype, so `__proto__` stays a plain key. */
export function dataOf(item: Item): Record<string, string> {
  const data = Object.create(null) as Record<string, string>;
  const map = item[A.data]?.M ?? {};
  for (const [stored, value] of Object.entries(map)) {
    if (stored.startsWith(DATA_KEY) && value.S !== undefined) data[stored.slice(DATA_KEY.length)] = value.S;
  }
  return data;
}

/** The {@link StoreRecord} a record item holds. */
export function recordOf(item: Item): StoreRecord {
  return {
    data: dataOf(item),
    userId: stringOf(item, A.user) ?? null,
    createdAt: required(item, A.created),
    lastSeenAt: required(item, A.lastSeen),
    expiresAt: required(item, A.expires),
    absoluteExpiresAt: required(item, A.absolute),
    rev: required(item, A.rev),
  };
}

/** The store key of a session item (its `pk` less `s#`), or `undefined` for other items. */
export function keyOfItem(item: Item): string | undefined {
  const pk = item.pk?.S;
  return pk?.startsWith('s#') ? pk.slice(2) : undefined;
}

/** The owner of a record or forwarder item (`u`, else `fo`), or `undefined` when anonymous. */
export function ownerOf(item: Item): string | undefined {
  return stringOf(item, A.user) ?? stringOf(item, A.forwardOwner);
}

/** The key a session item leads to: its rotation claim's target, else its forwarder's successor. */
export function successorOf(item: Item): string | undefined {
  return stringOf(item, A.claimTo) ?? stringOf(item, A.successor);
}
