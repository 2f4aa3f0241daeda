/**
 * What one memcached item holds: a session record, or the forwarder a rotation leaves at the old
 * key. JSON with compact field names; `v` versions the layout. Also memcached's expiry arithmetic.
 */
import type { StoreRecord } from '../../core/store.ts';

/** memcached reads an exptime above 30 days as an absolute Unix time (protocol.txt, "Expiration times"). */
const RELATIVE_LIMIT_S = 2_592_000;

/**
 * memcached's exptime for a record expiring at `expiresAt` (ms): seconds from now rounded up, one
 * second more because memcached's clock ticks once a second and may lag (the item itself carries
 * the exact deadline, checked on every read), an absolute Unix time beyond 30 days, and -1
 * (already expired) for a past deadline: 0 would mean "never".
 */
export function memcachedExptime(expiresAt: number, now = Date.now()): number {
  if (expiresAt <= now) return -1;
  const seconds = Math.ceil((expiresAt - now) / 1000) + 1;
  return seconds > RELATIVE_LIMIT_S ? Math.ceil(expiresAt / 1000) + 1 : seconds;
}

/** Where a rotated-away key went, and what it may still do (see `StoreRotation`). */
export interface Forward {
  readonly successor: string;
  readonly userId: string | null;
  readonly readableUntil: number;
  readonly forwardWrites: boolean;
  readonly forwardUntil: number;
}

/** A decoded item. */
export type Stored =
  | { readonly kind: 'record'; readonly record: StoreRecord }
  | { readonly kind: 'forward'; readonly forward: Forward };

interface RecordItem {
  v: 1;
  d: Record<string, string>;
  u: string | null;
  c: number;
  l: number;
  e: number;
  a: number;
  r: number;
}

interface ForwardItem {
  v: 1;
  /** successor */
  f: string;
  u: string | null;
  /** readableUntil, forwardWrites (0 | 1), forwardUntil */
  ru: number;
  w: 0 | 1;
  fu: number;
}

export function encodeRecord(record: StoreRecord): string {
  const { data, userId: u, createdAt: c, lastSeenAt: l, expiresAt: e, absoluteExpiresAt: a, rev: r } = record;
  const item: RecordItem = { v: 1, d: { ...data }, u, c, l, e, a, r };
  return JSON.stringify(item);
}

export function encodeForward(forward: Forward): string {
  const { successor: f, userId: u, readableUntil: ru, forwardWrites, forwardUntil: fu } = forward;
  const item: ForwardItem = { v: 1, f, u, ru, w: forwardWrites ? 1 : 0, fu };
  return JSON.stringify(item);
}

/** The item's content, or `undefined` for anything else (an unknown layout reads as missing). */
export function decodeItem(value: unknown): Stored | undefined {
  if (typeof value !== 'string') return undefined;
  const item = JSON.parse(value) as Partial<RecordItem & ForwardItem>;
  if (item.v !== 1) return undefined;
  if (typeof item.f === 'string') {
    const forward: Forward = {
      successor: item.f,
      userId: item.u ?? null,
      readableUntil: Number(item.ru),
      forwardWrites: item.w === 1,
      forwardUntil: Number(item.fu),
    };
    return { kind: 'forward', forward };
  }
  if (typeof item.d !== 'object' || item.d === null) return undefined;
  // Built key by key on a null prototype, so a `__proto__` data key stays a plain key.
  const data: Record<string, string> = Object.create(null);
  for (const [name, text] of Object.entries(item.d)) data[name] = text;
  const record: StoreRecord = {
    data,
    userId: item.u ?? null,
    createdAt: Number(item.c),
    lastSeenAt: Number(item.l),
    expiresAt: Number(item.e),
    absoluteExpiresAt: Number(item.a),
    rev: Number(item.r),
  };
  return { kind: 'record', record };
}
