/**
 * Keeps one tracking connection (`tracking-connection.ts`) open for the lifetime of the store.
 *
 * The copy of records is trustworthy only while a connection is up: Redis reports writes to a
 * connection that exists, and a write made while none existed is never reported later. So the
 * link says `up` only between a connection's SUBSCRIBE reply and its loss; every loss bumps
 * `generation` and tells the cache to drop everything; reads that started in an older generation
 * (or while down) fill nothing. A new connection is tried after 100 ms, doubling up to 2 s.
 */
import type { InvalidatedKeys, OpenTracking, TrackingConnection } from './tracking-connection.ts';

/** What the link tells the cache. */
export interface TrackingEvents {
  onKeys(keys: InvalidatedKeys): void;
  /** The connection is gone: every entry may be stale from now on. */
  onDown(): void;
  onError(error: unknown): void;
}

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 2000;

export class TrackingLink {
  readonly #open: OpenTracking;
  readonly #events: TrackingEvents;
  #connection: TrackingConnection | undefined;
  #up = false;
  #closed = false;
  #generation = 0;
  #retryMs = FIRST_RETRY_MS;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** How many times a live connection was lost. */
  losses = 0;

  constructor(open: OpenTracking, events: TrackingEvents) {
    this.#open = open;
    this.#events = events;
    this.#connect();
  }

  /** Invalidations are being received: a cached record may be served. */
  get up(): boolean {
    return this.#up;
  }

  /** Changes at every loss: a read that began in another generation must not fill the cache. */
  get generation(): number {
    return this.#generation;
  }

  #connect(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    const generation = this.#generation;
    this.#open((keys) => {
      // A late message of a connection already given up on is harmless but pointless.
      if (generation === this.#generation) this.#events.onKeys(keys);
    }).then(
      (connection) => {
        if (this.#closed) {
          void connection.quit();
          return;
        }
        this.#connection = connection;
        this.#up = true;
        this.#retryMs = FIRST_RETRY_MS;
        void connection.lost.then(() => this.#lose(connection));
      },
      (error: unknown) => {
        this.#events.onError(error);
        this.#generation++;
        this.#retry();
      },
    );
  }

  #lose(connection: TrackingConnection): void {
    if (this.#connection !== connection) return;
    this.#connection = undefined;
    this.#up = false;
    this.#generation++;
    this.losses++;
    this.#events.onDown();
    this.#retry();
  }

  #retry(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => this.#connect(), this.#retryMs);
    this.#timer.unref?.();
    this.#retryMs = Math.min(this.#retryMs * 2, LAST_RETRY_MS);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#up = false;
    this.#generation++;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const connection = this.#connection;
    this.#connection = undefined;
    await connection?.quit();
  }
}
