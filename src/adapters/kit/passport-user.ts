/**
 * passport's user in a property-style session: passport's `req.login()` (koa-passport's too)
 * stores what `serializeUser` gives under `session.passport.user`, @fastify/passport under
 * `session.passport`.
 * The property-style sessions bind it as coatcheck's user by default, so a passport login is a
 * coatcheck login as well (user index, `listUser`/`revokeUser`, `maxSessionsPerUser`, auth time).
 */

/**
 * passport's user id in a session's data, when it is a non-empty string or a finite number:
 * `data.passport.user` (passport and koa-passport) or `data.passport` itself (@fastify/passport,
 * which stores the serialized user directly). Undefined otherwise (no login, or a user object).
 */
export function passportUser(data: Readonly<Record<string, unknown>>): string | undefined {
  const passport = data.passport;
  const user =
    typeof passport === 'object' && passport !== null ? (passport as { user?: unknown }).user : passport;
  if (typeof user === 'string' && user.length > 0) return user;
  return typeof user === 'number' && Number.isFinite(user) ? String(user) : undefined;
}

/** How a property-style session finds its user: a function, `false` for none, default {@link passportUser}. */
export type UserIdOption = ((data: Readonly<Record<string, unknown>>) => string | undefined) | false;

/** The resolver for a `userId` option. */
export function userIdResolver(
  option: UserIdOption | undefined,
): ((data: Readonly<Record<string, unknown>>) => string | undefined) | undefined {
  return option === false ? undefined : (option ?? passportUser);
}
