/**
 * How the caching tier keeps a durable record in its front store.
 *
 * The front store's own `create` resets `rev` to 1 and its expiry must be shortened to the cache
 * TTL, so the true record travels inside one opaque data value. The front entry carries no user id,
 * so the front store's user index stays empty (user operations always go to the back store).
 */
import type { EncodedData, NewStoreRecord, StoreRecord } from '../../core/store.ts';

/** The single data key of a front entry. */
const FIELD = 'record';

interface Payload {
  readonly d: EncodedData;
  readonly u: string | null;
  readonly e: number;
  readonly v: number;
}

/** The front-store entry for `record`, dying at `min(record.expiresAt, cacheUntil)`. */
export function toFrontEntry(record: StoreRecord, cacheUntil: number): NewStoreRecord {
  const payload: Payload = { d: record.data, u: record.userId, e: record.expiresAt, v: record.rev };
  return {
    data: { [FIELD]: JSON.stringify(payload) },
    userId: null,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: Math.min(record.expiresAt, cacheUntil),
    absoluteExpiresAt: record.absoluteExpiresAt,
  };
}

function isEncodedData(value: unknown): value is EncodedData {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((item) => typeof item === 'string');
}

/** The durable record inside a front entry, or `undefined` when the entry is not one of ours. */
export function fromFrontEntry(entry: StoreRecord): StoreRecord | undefined {
  const text = entry.data[FIELD];
  if (text === undefined) return undefined;
  let payload: Partial<Payload>;
  try {
    payload = JSON.parse(text) as Partial<Payload>;
  } catch {
    return undefined;
  }
  const { d, u, e, v } = payload;
  if (!isEncodedData(d) || (u !== null && typeof u !== 'string')) return undefined;
  if (typeof e !== 'number' || typeof v !== 'number' || u === undefined) return undefined;
  return {
    data: d,
    userId: u,
    createdAt: entry.createdAt,
    lastSeenAt: entry.lastSeenAt,
    expiresAt: e,
    absoluteExpiresAt: entry.absoluteExpiresAt,
    rev: v,
  };
}
