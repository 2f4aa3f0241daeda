/**
 * A session record as the fields of one Redis hash, and back. Field names are described in
 * `scripts.ts`: `m:*` metadata, `d:<name>` data.
 */
import type { NewStoreRecord, StoreRecord } from '../../core/store.ts';

export const DATA = 'd:';

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

/** HGETALL's reply as entries, whatever shape the driver gives (flat array, object or Map). */
function entriesOf(reply: unknown): Iterable<[string, unknown]> {
  if (Array.isArray(reply)) {
    const entries: [string, unknown][] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) entries.push([String(reply[i]), reply[i + 1]]);
    return entries;
  }
  if (reply instanceof Map) return reply as Map<string, unknown>;
  if (reply !== null && typeof reply === 'object') return Object.entries(reply);
  return [];
}

/** The record in an HGETALL reply, or `undefined` for an empty hash (missing key). */
export function recordFromHash(reply: unknown): StoreRecord | undefined {
  const data: Record<string, string> = Object.create(null);
  const meta: Record<string, string> = Object.create(null);
  for (const [field, value] of entriesOf(reply)) {
    const text = String(value);
    if (field.startsWith(DATA)) data[field.slice(DATA.length)] = text;
    else meta[field] = text;
  }
  if (meta['m:e'] === undefined) return undefined;
  return {
    data,
    userId: meta['m:u'] ?? null,
    createdAt: Number(meta['m:c']),
    lastSeenAt: Number(meta['m:l']),
    expiresAt: Number(meta['m:e']),
    absoluteExpiresAt: Number(meta['m:a']),
    rev: Number(meta['m:r']),
  };
}
