/**
 * Plain-text rendering for the CLI: times, aligned tables, and the request metadata core keeps
 * in a session (`$ip`, `$ua`), decoded with core's codec.
 */
import { decodeValue } from '../core/codec.ts';
import type { StoreEntry } from '../core/store.ts';

/** One session as `list` shows it (never a ticket: the key is already a hash of it). */
export interface SessionRow {
  readonly key: string;
  readonly userId: string | null;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly expiresAt: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** An instant as ISO 8601 (UTC, seconds). */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A core-written string value, or null when absent, encrypted or not a string. */
function coreString(encoded: string | undefined): string | null {
  if (encoded === undefined) return null;
  try {
    const value = decodeValue(encoded);
    return typeof value === 'string' ? value : null;
  } catch {
    return null; // sealed with the app's encryption key: the CLI cannot read it
  }
}

/** Converts a store entry into a printable row. */
export function sessionRow(entry: StoreEntry): SessionRow {
  const { record } = entry;
  return {
    key: entry.key,
    userId: record.userId,
    createdAt: iso(record.createdAt),
    lastSeenAt: iso(record.lastSeenAt),
    expiresAt: iso(record.expiresAt),
    ip: coreString(record.data.$ip),
    userAgent: coreString(record.data.$ua),
  };
}

/** Left-aligned columns separated by two spaces. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
