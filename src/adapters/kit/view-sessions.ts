/**
 * A Sessions that commits property-style sessions: the same manager, except that committing a
 * session that has a SessionView (found from its first handle or from any of its view objects)
 * first saves the view's changes and commits every handle the view went through. Adapters hand it
 * to their ordinary machinery (the Express hold, the Fastify `onSend` hook, the Koa middleware),
 * which then needs no change to carry out a property-style session.
 */
import type {
  CommitResult,
  LoadHooks,
  LoadInput,
  Session,
  SessionData,
  SessionEventMap,
  SessionEventName,
  Sessions,
  UserSession,
} from '../../index.ts';

/** What commits a property-style session (SessionView implements it). */
export interface ViewCommitter {
  commitSync(status: number): CommitResult | undefined;
  commit(status: number): Promise<CommitResult>;
}

export class ViewSessions<Data extends SessionData = SessionData> implements Sessions<Data> {
  readonly #inner: Sessions<Data>;
  readonly #views = new WeakMap<object, ViewCommitter>();

  constructor(inner: Sessions<Data>) {
    this.#inner = inner;
  }

  /** The manager this one wraps. */
  get inner(): Sessions<Data> {
    return this.#inner;
  }

  get options(): Sessions<Data>['options'] {
    return this.#inner.options;
  }

  get capabilities(): Sessions<Data>['capabilities'] {
    return this.#inner.capabilities;
  }

  /** Commits through `view` whatever the adapter passes as `key` (a handle or a view object). */
  attach(key: object, view: ViewCommitter): void {
    this.#views.set(key, view);
  }

  load(input: LoadInput, hooks?: LoadHooks<Data>): Session<Data> {
    return this.#inner.load(input, hooks);
  }

  commitSync(session: Session<Data>, response: { readonly status: number }): CommitResult | undefined {
    const view = this.#views.get(session);
    return view === undefined ? this.#inner.commitSync(session, response) : view.commitSync(response.status);
  }

  commit(session: Session<Data>, response: { readonly status: number }): Promise<CommitResult> {
    const view = this.#views.get(session);
    return view === undefined ? this.#inner.commit(session, response) : view.commit(response.status);
  }

  listUser(userId: string, options?: { readonly current?: Session<Data> }): Promise<UserSession[]> {
    return this.#inner.listUser(userId, options);
  }

  revokeUser(userId: string, options?: { readonly except?: Session<Data> }): Promise<number> {
    return this.#inner.revokeUser(userId, options);
  }

  revokeSession(userId: string, sessionId: string): Promise<boolean> {
    return this.#inner.revokeSession(userId, sessionId);
  }

  on<E extends SessionEventName>(name: E, listener: (event: SessionEventMap[E]) => void): () => void {
    return this.#inner.on(name, listener);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
