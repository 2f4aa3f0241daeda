/**
 * Step-up checks (ASVS 7.5.1, 7.5.3): before a sensitive change, require that the user
 * authenticated recently. `login()` records the auth time; `rotate()` keeps it.
 */
import { CoatcheckError, ErrorCodes } from './errors.ts';

/**
 * The session's authentication is missing or older than allowed: send the user through login
 * again. Code `COATCHECK_SESSION_STATE`, status 401, so adapters answer 401 when it escapes.
 */
export class ReauthenticationRequiredError extends CoatcheckError {
  /** Age of the last authentication in ms, or `undefined` when the session never authenticated. */
  readonly authAge: number | undefined;
  constructor(message: string, authAge: number | undefined) {
    super(ErrorCodes.SESSION_STATE, message, { status: 401 });
    this.authAge = authAge;
  }
}

/**
 * Throws ReauthenticationRequiredError unless `authTime` is at most `maxAgeMs` before `now`.
 * A future auth time (clock skew) counts as fresh.
 */
export function assertRecentAuth(authTime: unknown, now: number, maxAgeMs: number): void {
  if (typeof authTime !== 'number' || !Number.isFinite(authTime)) {
    throw new ReauthenticationRequiredError(
      'This action needs a logged-in session; log in first.',
      undefined,
    );
  }
  const age = now - authTime;
  if (age > maxAgeMs) {
    throw new ReauthenticationRequiredError(
      `This action needs an authentication at most ${maxAgeMs} ms old; the last one is ${age} ms old. Log in again.`,
      age,
    );
  }
}
