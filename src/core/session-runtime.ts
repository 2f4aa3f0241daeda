/**
 * What a Session needs from the manager that created it: the clock, token minting, the codec
 * limits, and the store operations that happen before commit (lazy load, destroy).
 */
import type { CodecLimits } from './codec.ts';
import type { ValueCipher } from './encryption.ts';
import type { SessionEventName } from './events.ts';
import type { Session } from './session.ts';
import type { StandardSchemaV1 } from './standard-schema.ts';
import type { StoreRecord } from './store.ts';

/** @internal Implemented by the session manager. */
export interface SessionRuntime {
  readonly codecLimits: CodecLimits;
  readonly schema: StandardSchemaV1 | undefined;
  readonly cipher: ValueCipher | undefined;
  now(): number;
  generateToken(): string;
  /** The live record at `key` (expiry re-checked by core), or undefined. */
  fetchLive(key: string, session: Session): Promise<StoreRecord | undefined>;
  /** A loaded record failed to decode: report it; the session continues as new. */
  reportCorrupt(session: Session, record: StoreRecord, error: unknown): void;
  deleteKey(key: string): Promise<void>;
  emit(type: Extract<SessionEventName, 'login' | 'destroy'>, session: Session, userId: string | null): void;
}
