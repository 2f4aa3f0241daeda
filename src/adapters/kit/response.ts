/**
 * The response side of the adapter kit: a commit's headers applied to any framework's response
 * through three methods, the one commit step every adapter runs (synchronous when no store write
 * is needed, never an unhandled rejection), and the status and text of an error response.
 */

import { mergeVary, responseHeaders } from '../../core/response-headers.ts';
import {
  CoatcheckError,
  type CommitResult,
  type Session,
  type SessionData,
  type Sessions,
} from '../../index.ts';

/**
 * Where the headers go. `Headers` (Fetch API) fits as it is; other frameworks wrap their response
 * in three lines. Names are lower-case.
 */
export interface HeaderTarget {
  /** The header's current value (joined if it has several), or null/undefined when unset. */
  get(name: string): string | null | undefined;
  /** Replaces the header. */
  set(name: string, value: string): void;
  /** Adds one more value (used for Set-Cookie, which must never be joined or replaced). */
  append(name: string, value: string): void;
}

/** Adds a commit's headers: Set-Cookie appended, `Cookie` merged into Vary, the others set. */
export function applyResponseHeaders(result: CommitResult, target: HeaderTarget): void {
  for (const { name, value } of responseHeaders(result)) {
    if (name === 'set-cookie') target.append(name, value);
    else if (name === 'vary') target.set(name, mergeVary(target.get(name) ?? undefined, value));
    else target.set(name, value);
  }
}

/**
 * Commits `session` for a response with `status` and hands the result to `done`: in the same
 * tick when no store write is needed (`commitSync`), else once `commit()` settles, which is also
 * the path whenever `commitSync` declines because session work is still in flight. A failed
 * commit, or a `done` that throws after the wait, goes to `failed`, which must not throw: no
 * commit error ever becomes an unhandled rejection.
 */
export function commitThen<Data extends SessionData>(
  sessions: Sessions<Data>,
  session: Session<Data>,
  status: number,
  done: (result: CommitResult) => void,
  failed: (error: unknown) => void,
): void {
  const response = { status };
  let now: CommitResult | undefined;
  try {
    now = sessions.commitSync(session, response);
  } catch (error) {
    failed(error);
    return;
  }
  if (now !== undefined) done(now);
  else sessions.commit(session, response).then(done).then(undefined, failed);
}

/** The status to answer an error with: a coatcheck error's own (503 for a store outage), else 500. */
export function errorStatus(error: unknown): number {
  return error instanceof CoatcheckError ? error.status : 500;
}

/** The plain-text body of an error response with `status`. */
export function errorText(status: number): string {
  return status === 503 ? 'Service Unavailable: session store unreachable\n' : 'Internal Server Error\n';
}
