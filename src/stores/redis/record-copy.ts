/**
 * The bounded in-process copy of records this process read, least recently used first out.
 *
 * Bounds: at most `maxEntries` records and about `maxBytes` of them, counted as UTF-16 string
 * lengths × 2 plus a fixed overhead per record and per field (an estimate of V8's heap use,
 * not an exact figure). A record larger than a quarter of `maxBytes` is never copied.
 *
 * Fill race: a read's reply may reflect the record before a write whose invalidation arrived
 * first (two connections, no common order). So a read takes a ticket before it asks Redis, every
 * invalidation of that key marks the tickets out for it, and a marked ticket fills nothing.
 */
import type { StoreRecord } from '../../core/store.ts';

/** Bounds of the copy. */
export interface CopyBounds {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/** One read in flight: fills the copy only if nothing invalidated its key meanwhile. */
export interface ReadTicket {
  readonly key: string;
  readonly generation: number;
  stale: boolean;
}

interface Entry {
  readonly record: StoreRecord;
  readonly bytes: number;
}

const RECORD_OVERHEAD = 256;
const FIELD_OVERHEAD = 64;

function sizeOf(key: string, record: StoreRecord): number {
  let bytes = RECORD_OVERHEAD + key.length * 2 + (record.userId?.length ?? 0) * 2;
  for (const field in record.data) bytes += FIELD_OVERHEAD + (field.length + record.data[field]!.length) * 2;
  return bytes;
}

export class RecordCopy {
  readonly #bounds: CopyBounds;
  /** Map order is recency order: the first entry is the least recently used. */
  readonly #entries = new Map<string, Entry>();
  readonly #reads = new Map<string, Set<ReadTicket>>();
  #bytes = 0;
  evictions = 0;
  invalidations = 0;

  constructor(bounds: CopyBounds) {
    this.#bounds = bounds;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The copy of `key`, marked most recently used, or `undefined`. */
  peek(key: string): StoreRecord | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.record;
  }

  /** Registers a read of `key` about to be sent to Redis. */
  begin(key: string, generation: number): ReadTicket {
    const ticket: ReadTicket = { key, generation, stale: false };
    const tickets = this.#reads.get(key);
    if (tickets === undefined) this.#reads.set(key, new Set([ticket]));
    else tickets.add(ticket);
    return ticket;
  }

  /** The read is over: copies `record` unless the ticket went stale or is of another generation. */
  end(ticket: ReadTicket, record: StoreRecord | undefined, generation: number): void {
    const tickets = this.#reads.get(ticket.key);
    tickets?.delete(ticket);
    if (tickets?.size === 0) this.#reads.delete(ticket.key);
    if (record === undefined || ticket.stale || ticket.generation !== generation) return;
    const bytes = sizeOf(ticket.key, record);
    if (bytes * 4 > this.#bounds.maxBytes) return;
    this.#remove(ticket.key);
    this.#entries.set(ticket.key, { record, bytes });
    this.#bytes += bytes;
    this.#evict();
  }

  /** Drops `key` and spoils the reads of it in flight. */
  invalidate(key: string): void {
    this.invalidations++;
    this.#remove(key);
    const tickets = this.#reads.get(key);
    if (tickets !== undefined) for (const ticket of tickets) ticket.stale = true;
  }

  /** Drops every copy owned by `userId` (after a revocation of that user here). */
  invalidateUser(userId: string): void {
    for (const [key, entry] of this.#entries) if (entry.record.userId === userId) this.invalidate(key);
  }

  /** Drops everything and spoils every read in flight. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
    for (const tickets of this.#reads.values()) for (const ticket of tickets) ticket.stale = true;
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  #evict(): void {
    const { maxEntries, maxBytes } = this.#bounds;
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= maxEntries && this.#bytes <= maxBytes) return;
      this.#entries.delete(key);
      this.#bytes -= entry.bytes;
      this.evictions++;
    }
  }
}
