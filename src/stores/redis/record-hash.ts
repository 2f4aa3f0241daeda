/**
 * A session key's Redis hash, and back. The fields are described in `scripts.ts`: `m:*` record
 * metadata (a claim adds `m:n`, `m:t`), `d:<name>` data, `f:*` a rotated-away key's forwarder.
 */
import type { NewStoreRecord, StoreRecord } from '../../core/store.ts';

export const DATA = 'd:';

/** What a rotated-away key holds instead of a record (see `rotation-scripts.ts`). */
export interface ForwardHash {
  /** The key the session moved to. */
  readonly successor: string;
  /** Until when (ms) `get` still answers with the successor's record. */
  readonly readableUntil: number;
  /** Whether `update` follows to the successor. */
  readonly forwardWrites: boolean;
}

/** Flat field/value list for HSET. */
export function recordFields(record: NewStoreRecord): string[] {
  const fields = [
    'm:c',
    String(record.createdAt),
    'm:l',
    String(record.lastSeenAt),
    'm:e',
    String(record.expiresAt),
    'm:a',
    String(record.absoluteExpiresAt),
    'm:r',
    '1',
  ];
  if (record.userId !== null) fields.push('m:u', record.userId);
  for (const [name, value] of Object.entries(record.data)) fields.push(DATA + name, value);
  return fields;
}

/** The record in an HGETALL reply, or `undefined` for a missing key or a forwarder. */
export function recordFromHash(reply: unknown): StoreRecord | undefined {
  return fieldsOf(reply).record();
}

/** An HGETALL reply as the record, the forwarder, or `undefined` for a missing key. */
export function readHash(reply: unknown): StoreRecord | ForwardHash | undefined {
  const fields = fieldsOf(reply);
  return fields.record() ?? fields.forward();
}

function fieldsOf(reply: unknown): RecordFields {
  const fields = new RecordFields();
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) fields.add(String(reply[i]), reply[i + 1]);
  } else if (reply instanceof Map) {
    for (const [field, value] of reply as Map<unknown, unknown>) fields.add(String(field), value);
  } else if (reply !== null && typeof reply === 'object') {
    // Hot path: node-redis decodes HGETALL into a plain object; read it in place, with no
    // Object.entries array and no pair per field (this was the store's largest cost per read).
    const object = reply as Record<string, unknown>;
    for (const field in object) if (Object.hasOwn(object, field)) fields.add(field, object[field]);
  }
  return fields;
}

/** Sorts hash fields into data values and metadata as they arrive. */
class RecordFields {
  readonly data: Record<string, string> = Object.create(null);
  readonly meta: Record<string, string> = Object.create(null);

  add(field: string, value: unknown): void {
    const text = typeof value === 'string' ? value : String(value);
    if (field.startsWith(DATA)) this.data[field.slice(DATA.length)] = text;
    else this.meta[field] = text;
  }

  record(): StoreRecord | undefined {
    const meta = this.meta;
    if (meta['m:e'] === undefined) return undefined;
    return {
      data: this.data,
      userId: meta['m:u'] ?? null,
      createdAt: Number(meta['m:c']),
      lastSeenAt: Number(meta['m:l']),
      expiresAt: Number(meta['m:e']),
      absoluteExpiresAt: Number(meta['m:a']),
      rev: Number(meta['m:r']),
    };
  }

  forward(): ForwardHash | undefined {
    const successor = this.meta['f:s'];
    if (successor === undefined) return undefined;
    return {
      successor,
      readableUntil: Number(this.meta['f:r']),
      forwardWrites: this.meta['f:w'] === '1',
    };
  }
}
