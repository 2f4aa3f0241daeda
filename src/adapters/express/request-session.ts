/**
 * The type of `req.session` for the coatcheck Express entry points a program imports. Each entry
 * point registers what it puts there (coatcheck/express a `Session`, coatcheck/express-session an
 * express-session-style object) in `Express.CoatcheckSessions`, and `req.session` is declared once,
 * here, as what they registered: exactly one type in a program that imports one of them, both
 * (an intersection) in a program that imports both, so the two declarations never conflict.
 */

declare global {
  namespace Express {
    /** What each coatcheck entry point puts on `req.session`, by entry point (declaration merging). */
    interface CoatcheckSessions {}
    interface Request {
      /** This request's session (set by a coatcheck session middleware). */
      session: CoatcheckRequestSession;
    }
  }
}

type Intersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void
  ? I
  : never;

/** The type of `req.session`: what the imported coatcheck entry points registered. */
export type CoatcheckRequestSession = Intersection<
  Express.CoatcheckSessions[keyof Express.CoatcheckSessions]
>;
