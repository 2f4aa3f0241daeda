/**
 * Turns a loaded store record into the values a Session may hand to the app: every value opened
 * (decrypted) and decoded, the user-agent binding and the schema checked. All or nothing: a record
 * that fails any step is reported (`corrupt_record` or `anomaly`) and treated as absent, never
 * half-handed to the app.
 */
import { decodeValue } from './codec.ts';
import { CorruptRecordError } from './errors.ts';
import type { SessionRuntime, SessionState } from './session-state.ts';
import { META, type SessionData } from './session-types.ts';
import type { OpenedRecord } from './session-values.ts';
import type { StoreRecord } from './store.ts';

/**
 * Opens `record` for `session`; undefined (after reporting why) when it must be treated as absent.
 * Synchronous unless a schema validates the data (Standard Schema validators may be async), so a
 * plain load costs no extra promise.
 */
export function openRecord(
  session: SessionState,
  record: StoreRecord,
): OpenedRecord | undefined | Promise<OpenedRecord | undefined> {
  const runtime = session.runtime;
  const userAgent = session.meta.userAgent;
  const cipher = runtime.cipher;
  const decoded = new Map<string, unknown>();
  // Without a cipher the stored text is the plain text: no second map (see SessionValues).
  const plain = cipher === undefined ? undefined : new Map<string, string>();
  let stale: Set<string> | undefined;
  try {
    const data = record.data;
    for (const key of Object.keys(data)) {
      let text = data[key]!;
      if (cipher !== undefined) {
        const open = cipher.open(text, key);
        text = open.plaintext;
        if (open.stale) {
          stale ??= new Set();
          stale.add(key);
        }
        plain?.set(key, text);
      }
      decoded.set(key, decodeValue(text, runtime.codecLimits));
    }
  } catch (error) {
    runtime.reportCorrupt(session, record, error);
    return undefined;
  }
  if (runtime.bindUserAgent && decoded.has(META.userAgent) && decoded.get(META.userAgent) !== userAgent) {
    runtime.reportAnomaly(session, record, 'user_agent');
    return undefined;
  }
  const opened: OpenedRecord = { decoded, plain, stale };
  const schema = runtime.schema;
  if (schema === undefined) return opened;
  return validated(runtime, schema, session, record, opened);
}

async function validated(
  runtime: SessionRuntime,
  schema: NonNullable<SessionRuntime['schema']>,
  session: SessionState,
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
