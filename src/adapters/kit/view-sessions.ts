/**
 * A Sessions that commits property-style sessions: the same manager, except that committing a
 * session that has a SessionView (found from its first handle or from any of its view objects)
 * first saves the view's changes and commits every handle the view went through. Adapters hand it
 * to their ordinary machinery (the Express hold, the Fastify `onSend` hook, the Koa middleware),
 * which then needs no change to carry out a property-style session.
 *
 * It is a Proxy of the manager that replaces only `commit` and `commitSync`, so every other
 * method, present or added later, is the manager's own.
 */
import type { CommitResult, Session, SessionData, Sessions } from '../../index.ts';

/** What commits a property-style session (SessionView implements it). */
export interface ViewCommitter {
  commitSync(status: number): CommitResult | undefined;
  commit(status: number): Promise<CommitResult>;
}

/** The manager for the adapter's machinery, the one it wraps, and how to register a view. */
export interface ViewSessions<Data extends SessionData = SessionData> {
  /** The manager to give the ordinary adapter. */
  readonly sessions: Sessions<Data>;
  /** The manager it wraps (SessionView commits through it). */
  readonly inner: Sessions<Data>;
  /** Commits through `view` whatever the adapter passes as `key` (a handle or a view object). */
  attach(key: object, view: ViewCommitter): void;
}

export function viewSessions<Data extends SessionData>(inner: Sessions<Data>): ViewSessions<Data> {
  const views = new WeakMap<object, ViewCommitter>();
  const overrides = {
    commitSync(session: Session<Data>, response: { readonly status: number }): CommitResult | undefined {
      const view = views.get(session);
      return view === undefined ? inner.commitSync(session, response) : view.commitSync(response.status);
    },
    commit(session: Session<Data>, response: { readonly status: number }): Promise<CommitResult> {
      const view = views.get(session);
      return view === undefined ? inner.commit(session, response) : view.commit(response.status);
    },
  };
  const bound = new Map<PropertyKey, unknown>();
  const sessions = new Proxy(inner, {
    get(target, property) {
      if (property === 'commit' || property === 'commitSync') return overrides[property];
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let method = bound.get(property);
      if (method === undefined) {
        method = (value as (...args: unknown[]) => unknown).bind(target);
        bound.set(property, method);
      }
      return method;
    },
  });
  return { sessions, inner, attach: (key, view) => views.set(key, view) };
}
