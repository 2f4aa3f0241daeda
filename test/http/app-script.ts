/**
 * The one application every adapter serves in the behaviour matrix: the same routes, written once
 * against the Session API, so the matrix compares adapters and nothing else.
 */
import type { Session } from '../../src/core/session.ts';

export type AppData = { count: number; note: string };
export interface AppRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
}
export interface AppResponse {
  readonly status: number;
  readonly body: string;
}

/** How long after its response `/late-use` uses the session. */
export const LATE_USE_MS = 20;

export async function appScript(request: AppRequest, session: Session<AppData>): Promise<AppResponse> {
  const q = request.query;
  switch (request.path) {
    case '/untouched':
      return { status: 200, body: 'untouched' };
    case '/read':
      return { status: 200, body: String((await session.get('count')) ?? 0) };
    case '/count': {
      const count = ((await session.get('count')) ?? 0) + 1;
      await session.set('count', count);
      return { status: 200, body: String(count) };
    }
    case '/set-unawaited':
      // Not awaited, the habit of express-session users: the commit must wait for the write.
      void session.set('count', Number(q.get('n') ?? '1'));
      return { status: 200, body: 'set' };
    case '/late-use':
      // After the response is sent: too late to save, and it must be reported, not crash anything.
      setTimeout(() => void session.set('note', 'too late'), LATE_USE_MS);
      return { status: 200, body: 'sent' };
    case '/same': {
      await session.set('count', (await session.get('count')) ?? 0);
      return { status: 200, body: 'same' };
    }
    case '/login':
      await session.login(q.get('user') ?? 'user-1');
      if (q.get('remember') === '1') await session.rememberMe(true);
      return { status: 200, body: 'logged in' };
    case '/logout':
      await session.destroy();
      return { status: 200, body: 'bye' };
    case '/rotate':
      await session.rotate();
      return { status: 200, body: 'rotated' };
    case '/whoami':
      return { status: 200, body: (await session.userId()) ?? 'anonymous' };
    case '/flash':
      if (request.method === 'POST') {
        await session.flash('notice', q.get('text') ?? 'saved');
        return { status: 200, body: 'flashed' };
      }
      return { status: 200, body: (await session.consumeFlash<string>('notice')) ?? '(none)' };
    case '/token':
      await session.set('note', q.get('note') ?? 'api');
      return { status: 200, body: session.issueToken() };
    case '/fail':
      await session.set('note', 'should not be saved');
      return { status: 500, body: 'failed' };
    default:
      return { status: 404, body: 'not found' };
  }
}
