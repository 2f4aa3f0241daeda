/**
 * coatcheck/koa's `propertySession()`: `ctx.session` as express-session's object (data as
 * properties, `regenerate`/`save`/`destroy`/`reload` with callbacks), which is what koa-passport
 * needs: it runs passport's express-session calls against `ctx.session`. Built on the ordinary
 * Koa middleware (commit after `await next()`, errors committed with their status), given a
 * ViewSessions so the commit saves the view's changes as one per-key patch first.
 *
 * The session is read when the request starts (one store round trip for a request with a ticket),
 * since property reads are synchronous.
 */
import type { DefaultState, Middleware, ParameterizedContext } from 'koa';
import type { Session, SessionData, Sessions } from '../../index.ts';
import { EXPRESS_STYLE_RESERVED, ExpressStyleSession } from '../kit/express-style-session.ts';
import { type UserIdOption, userIdResolver } from '../kit/passport-user.ts';
import { loadInput, requestContext } from '../kit/request.ts';
import { SessionView } from '../kit/session-view.ts';
import { viewSessions } from '../kit/view-sessions.ts';

/** `ctx.session` under `propertySession()`: `null` once destroyed, or to destroy it (koa-session's idiom). */
export type PropertySession<Data extends SessionData = SessionData> = ExpressStyleSession & Partial<Data>;

/** The context properties `propertySession()` adds. */
export interface PropertySessionContext<Data extends SessionData = SessionData> {
  /** The session as express-session's object; `null` once destroyed, or set to `null` to end it (`unset`). */
  session: PropertySession<Data> | null;
}

/** Options of {@link propertySession}. */
export interface PropertySessionOptions {
  /** Record `ctx.ip` (which honours `app.proxy`) at login. Default `true`. */
  readonly recordIp?: boolean;
  /**
   * The user the session's data belongs to, bound with coatcheck's `login()` at commit. Default
   * passport's `ctx.session.passport.user` (a string or a number); `false` binds no user.
   */
  readonly userId?: UserIdOption;
  /** `ctx.session = null`: `'destroy'` (default, as koa-session) ends the session; `'keep'` drops this request's changes. */
  readonly unset?: 'keep' | 'destroy';
}

/** coatcheck/koa's ordinary `session()` middleware, as this module calls it (koa.ts passes it in). */
export type OrdinaryKoaSession = (
  sessions: Sessions,
  options: { readonly recordIp?: boolean },
) => (
  ctx: ParameterizedContext<DefaultState, { session: unknown }>,
  next: () => Promise<unknown>,
) => Promise<void>;

/** `propertySession()` of coatcheck/koa, over its ordinary middleware `session` (see there). */
export function propertySessionOver<Data extends SessionData>(
  session: OrdinaryKoaSession,
  sessions: Sessions<Data>,
  options: PropertySessionOptions,
): Middleware<DefaultState, PropertySessionContext<Data>> {
  const committing = viewSessions(sessions as unknown as Sessions);
  const ordinary = session(committing.sessions, options);
  const recordIp = options.recordIp !== false;
  const settings = { unset: options.unset ?? 'destroy', userId: userIdResolver(options.userId) } as const;
  return function coatcheckKoaPropertySession(ctx, next) {
    const context = ctx as unknown as Parameters<typeof ordinary>[0];
    return ordinary(context, async () => {
      const handle = context.session as unknown as Session;
      let current: unknown;
      const view = new SessionView<ExpressStyleSession>(
        committing.inner,
        handle,
        {
          input: loadInput(sessions, ctx, (source, name) => source.get(name), {
            ip: recordIp ? () => ctx.ip : undefined,
            context: () => requestContext(ctx.method, ctx.originalUrl),
          }),
          reserved: EXPRESS_STYLE_RESERVED,
          create: (engine) => new ExpressStyleSession(engine),
          install: (installed) => {
            current = installed;
          },
          uninstall: () => {
            current = null;
          },
          current: () => current,
        },
        settings,
      );
      committing.attach(handle, view);
      Object.defineProperty(ctx, 'session', {
        configurable: true,
        enumerable: true,
        get: () => current,
        set: (value: unknown) => {
          current = value;
        },
      });
      await view.open();
      await next();
    });
  };
}
