/**
 * passport's user in a property-style session: passport's `req.login()` stores what
 * `serializeUser` gives under `session.passport.user` (@fastify/passport and koa-passport too).
 * The property-style sessions bind it as coatcheck's user by default, so a passport login is a
 * coatcheck login as well (user index, `listUser`/`revokeUser`, `maxSessionsPerUser`, auth time).
 */

/** passport's user id: `data.passport.user` when it is a non-empty string or a finite number, else undefined. */
export function passportUser(data: Readonly<Record<string, unknown>>): string | undefined {
  const passport = data.passport;
  if (typeof passport !== 'object' || passport === null) return undefined;
  const user = (passport as { user?: unknown }).user;
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
