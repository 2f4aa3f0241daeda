/**
 * coatcheck/next's helpers in-process, against Next's own objects: the control-flow errors that
 * `redirect()` and `notFound()` really throw, NextRequest/NextResponse through the middleware
 * wrapper, and the Set-Cookie values core writes read back for `cookies().set()`. The helpers that
 * need Next's request scope (`cookies()`) run in the real app (next.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { notFound, permanentRedirect, redirect } from 'next/navigation.js';
import { NextRequest, NextResponse } from 'next/server.js';
import { parseSetCookie } from '../../src/adapters/kit/set-cookie.ts';
import { controlFlowStatus } from '../../src/adapters/next/control-flow.ts';
import { withMiddlewareSession, withRouteSession } from '../../src/adapters/next.ts';
import { createSessions, StoreUnavailableError } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';

type Data = { count: number };
const newSessions = () =>
  createSessions<Data>({ store: memoryStore(), cookie: { name: 'sid', secure: false }, rememberMe: '30d' });

function thrown(run: () => never): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  assert.fail('did not throw');
}

describe('next: control-flow throws', () => {
  it("next: redirect(), permanentRedirect() and notFound() give their responses' status", () => {
    assert.equal(controlFlowStatus(thrown(() => redirect('/'))), 307);
    assert.equal(controlFlowStatus(thrown(() => permanentRedirect('/'))), 308);
    assert.equal(controlFlowStatus(thrown(() => notFound())), 404);
  });

  it('next: any other error is not control flow', () => {
    assert.equal(controlFlowStatus(new Error('boom')), undefined);
    assert.equal(
      controlFlowStatus(Object.assign(new Error('x'), { digest: 'DYNAMIC_SERVER_USAGE' })),
      undefined,
    );
    assert.equal(controlFlowStatus('NEXT_REDIRECT'), undefined);
    assert.equal(controlFlowStatus(null), undefined);
  });
});

describe('next: middleware wrapper', () => {
  it('next: returning nothing goes on (NextResponse.next()) and carries the session cookie', async () => {
    const middleware = withMiddlewareSession(newSessions(), async (_request, session) => {
      await session.set('count', 1);
      return undefined;
    });
    const response = await middleware(new NextRequest('http://localhost/account'), {});
    assert.equal(response.headers.get('x-middleware-next'), '1');
    assert.match(
      response.headers.get('set-cookie') ?? '',
      /^sid=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    assert.match(response.headers.get('vary') ?? '', /cookie/i);
  });

  it('next: a redirect keeps its Location and gets the cookie', async () => {
    const sessions = newSessions();
    const middleware = withMiddlewareSession(sessions, async (request, session) => {
      await session.set('count', 2);
      return NextResponse.redirect(new URL('/login', request.url));
    });
    const response = await middleware(new NextRequest('http://localhost/admin'), {});
    assert.equal(response.status, 307);
    assert.equal(response.headers.get('location'), 'http://localhost/login');
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const again = sessions.load({ cookie });
    assert.equal(await again.get('count'), 2);
  });

  it('next: an untouched session adds no header', async () => {
    const middleware = withMiddlewareSession(newSessions(), () => undefined);
    const response = await middleware(new NextRequest('http://localhost/'), {});
    assert.equal(response.headers.get('set-cookie'), null);
    assert.equal(response.headers.get('vary'), null);
  });
});

describe('next: Route Handler wrapper', () => {
  it('next: a coatcheck error becomes its status; any other error is left to Next', async () => {
    const down = withRouteSession(newSessions(), () => {
      throw new StoreUnavailableError('memory', 'get');
    });
    assert.equal((await down(new Request('http://localhost/'), {})).status, 503);
    const broken = withRouteSession(newSessions(), () => {
      throw new TypeError('bug');
    });
    await assert.rejects(broken(new Request('http://localhost/'), {}), TypeError);
  });

  it('next: the handler gets the context Next passes', async () => {
    const route = withRouteSession(
      newSessions(),
      async (_request, _session, context: { params: Promise<{ id: string }> }) =>
        Response.json(await context.params),
    );
    const response = await route(new Request('http://localhost/items/7'), {
      params: Promise.resolve({ id: '7' }),
    });
    assert.deepEqual(await response.json(), { id: '7' });
  });
});

describe('next: Set-Cookie read back for cookies().set()', () => {
  async function committed(
    run: (session: ReturnType<ReturnType<typeof newSessions>['load']>) => Promise<void>,
    cookie?: string,
  ) {
    const sessions = newSessions();
    const session = sessions.load({ cookie });
    await run(session);
    const { setCookie } = await sessions.commit(session, { status: 200 });
    assert.ok(setCookie);
    return { sessions, setCookie };
  }

  it("next: a new session's cookie: name, ticket, Path, HttpOnly, SameSite, no lifetime", async () => {
    const { setCookie } = await committed((session) => session.set('count', 1));
    const parts = parseSetCookie(setCookie);
    assert.equal(parts.name, 'sid');
    assert.match(parts.value, /^[\w-]{43}$/);
    assert.deepEqual(
      { ...parts, value: '' },
      { name: 'sid', value: '', path: '/', httpOnly: true, sameSite: 'lax' },
    );
  });

  it('next: remember-me gives Max-Age and Expires', async () => {
    const { setCookie } = await committed(async (session) => {
      await session.login('u');
      await session.rememberMe(true);
    });
    const parts = parseSetCookie(setCookie);
    assert.equal(parts.maxAge, 30 * 24 * 3600);
    assert.ok(parts.expires instanceof Date);
    assert.ok(Math.abs(parts.expires.getTime() - Date.now() - 30 * 24 * 3600 * 1000) < 5000);
  });

  it('next: a destroyed session gives an empty value that expires now', async () => {
    const first = await committed((session) => session.set('count', 1));
    const ticket = first.setCookie.split(';')[0];
    const session = first.sessions.load({ cookie: ticket });
    await session.destroy();
    const { setCookie } = await first.sessions.commit(session, { status: 200 });
    assert.ok(setCookie);
    const parts = parseSetCookie(setCookie);
    assert.equal(parts.value, '');
    assert.equal(parts.maxAge, 0);
  });

  it('next: Secure, Domain, Partitioned, Priority and SameSite=None are read; unknown attributes dropped', () => {
    assert.deepEqual(
      parseSetCookie(
        'a=b; Domain=example.com; Secure; Partitioned; Priority=High; SameSite=None; Foo=bar; Max-Age=x',
      ),
      {
        name: 'a',
        value: 'b',
        domain: 'example.com',
        secure: true,
        partitioned: true,
        priority: 'high',
        sameSite: 'none',
      },
    );
  });
});
