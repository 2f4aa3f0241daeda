/**
 * Turns a loaded store record into the values a Session may hand to the app: every value opened
 * (decrypted) and decoded, the user-agent binding and the schema checked. All or nothing: a record
 * that fails any step is reported (`corrupt_record` or `anomaly`) and treated as absent, never
 * half-handed to the app.
 */
import { decodeValue } from './codec.ts';
import { CorruptRecordError } from './errors.ts';
import { META, type Session, type SessionData } from './session.ts';
import type { SessionRuntime } from './session-runtime.ts';
import type { StoreRecord } from './store.ts';

/** The opened values of a record. */
export interface OpenedRecord {
  /** Decoded value of every key. */
  readonly decoded: Map<string, unknown>;
  /** Encoded (unsealed) text of every key, for equality checks. */
  readonly plain: Map<string, string>;
  /** Keys sealed under an older encryption key. */
  readonly stale: Set<string>;
}

/**
 * Opens `record` for `session`; undefined (after reporting why) when it must be treated as absent.
 * Synchronous unless a schema validates the data (Standard Schema validators may be async), so a
 * plain load costs no extra promise.
 */
export function openRecord(
  runtime: SessionRuntime,
  session: Session,
  record: StoreRecord,
  userAgent: string | undefined,
): OpenedRecord | undefined | Promise<OpenedRecord | undefined> {
  const opened: OpenedRecord = { decoded: new Map(), plain: new Map(), stale: new Set() };
  const cipher = runtime.cipher;
  try {
    for (const [key, stored] of Object.entries(record.data)) {
      let text = stored;
      if (cipher !== undefined) {
        const open = cipher.open(stored, key);
        text = open.plaintext;
        if (open.stale) opened.stale.add(key);
      }
      opened.decoded.set(key, decodeValue(text, runtime.codecLimits));
      opened.plain.set(key, text);
    }
  } catch (error) {
    runtime.reportCorrupt(session, record, error);
    return undefined;
  }
  if (
    runtime.bindUserAgent &&
    opened.decoded.has(META.userAgent) &&
    opened.decoded.get(META.userAgent) !== userAgent
  ) {
    runtime.reportAnomaly(session, record, 'user_agent');
    return undefined;
  }
  const schema = runtime.schema;
  if (schema === undefined) return opened;
  return validated(runtime, schema, session, record, opened);
}

async function validated(
  runtime: SessionRuntime,
  schema: NonNullable<SessionRuntime['schema']>,
  session: Session,
  record: StoreRecord,
  opened: OpenedRecord,
): Promise<OpenedRecord | undefined> {
  const user: SessionData = {};
  for (const [key, value] of opened.decoded) if (key.charCodeAt(0) !== 36) user[key] = value;
  const result = await schema['~standard'].validate(user);
  if (result.issues !== undefined) {
    const detail = result.issues.map((issue) => issue.message).join('; ');
    runtime.reportCorrupt(
      session,
      record,
      new CorruptRecordError(`Session data failed schema validation: ${detail}`),
    );
    return undefined;
  }
  return opened;
}
