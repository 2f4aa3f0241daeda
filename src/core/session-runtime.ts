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
  /** Compare the request's User-Agent with the one recorded at login. */
  readonly bindUserAgent: boolean;
  now(): number;
  generateToken(): string;
  /** The live record at `key` (expiry re-checked by core), or undefined. */
  fetchLive(key: string, session: Session): Promise<StoreRecord | undefined>;
  /** A loaded record failed to decode: report it; the session continues as new. */
  reportCorrupt(session: Session, record: StoreRecord, error: unknown): void;
  /** A loaded record does not match the request it is bound to: report it; the session continues as new. */
  reportAnomaly(session: Session, record: StoreRecord, reason: 'user_agent'): void;
  /** Applies `maxSessionsPerUser` before `login(userId)`: evicts, or throws SessionLimitError. */
  enforceSessionLimit(session: Session, userId: string): Promise<void>;
  deleteKey(key: string): Promise<void>;
  emit(type: Extract<SessionEventName, 'login' | 'destroy'>, session: Session, userId: string | null): void;
}
