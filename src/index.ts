/**
 * coatcheck: server-side sessions. The client holds an opaque ticket; the server keeps the coat.
 * This entry point is the framework-agnostic core; adapters live in `coatcheck/<framework>` and
 * stores in `coatcheck/stores/<name>`. Importing it loads no driver and no framework.
 */
export type { CodecLimits } from './core/codec.ts';
/** The commit step's decision for one request: what to do with the store and with the cookie. */
export type { CommitDecision, CommitState, CookieAction, StoreAction } from './core/commit-decision.ts';
export { decideCommit } from './core/commit-decision.ts';
export type { CommitResult } from './core/commit-plan.ts';
export type { WarningCode } from './core/config-warnings.ts';
export { WarningCodes } from './core/config-warnings.ts';
export type { CsrfGuardOptions, CsrfRequest } from './core/csrf.ts';
export { verifyCsrf } from './core/csrf.ts';
export type { Duration } from './core/duration.ts';
export type { ValueCipher } from './core/encryption.ts';
export type { ErrorCode } from './core/errors.ts';
export {
  CoatcheckError,
  CodecError,
  ConfigError,
  ConflictError,
  CookieError,
  CorruptRecordError,
  CsrfError,
  ErrorCodes,
  SessionGoneError,
  SessionLimitError,
  SessionStateError,
  StoreUnavailableError,
  UnsupportedError,
} from './core/errors.ts';
export type { CsrfRefusal, SessionEvent, SessionEventMap, SessionEventName } from './core/events.ts';
export type { HealthOptions, HealthReport, StoreProbe } from './core/health.ts';
export type { SessionCookieOptions, SessionsOptions } from './core/options.ts';
export { ReauthenticationRequiredError } from './core/recent-auth.ts';
export type { LoginOptions, SessionData, SessionInfo, SetOptions } from './core/session.ts';
export { Session } from './core/session.ts';
export type { LoadHooks, Sessions } from './core/sessions.ts';
export { createSessions } from './core/sessions.ts';
export type { StandardSchemaV1 } from './core/standard-schema.ts';
export type {
  CreateOutcome,
  EncodedData,
  NewStoreRecord,
  RotateOutcome,
  Store,
  StoreCapabilities,
  StoreDataPatch,
  StoreEntry,
  StorePatch,
  StoreRecord,
  StoreRotation,
  StoreScanOptions,
  StoreScanPage,
  StoreTiers,
  StoreTouch,
  UserLimit,
} from './core/store.ts';
export { storeCapabilities } from './core/store.ts';
export type { LoadInput } from './core/ticket-reader.ts';
export type { UserSession } from './core/user-sessions.ts';
