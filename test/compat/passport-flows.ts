/**
 * The passport flows every framework's passport runs, written once: each test file builds its
 * app (passport-local, the routes below, coatcheck's session) and registers these on it. Routes:
 * POST /cart adds 'sku-1' to the session's cart; POST /login and /login-keep (keepSessionInfo)
 * authenticate with passport-local, redirecting to /me or /login; GET /me answers 401 when
 * anonymous, else `<username> cart=<cart>`; POST /logout logs out and redirects.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Store } from '../../src/core/store.ts';
import type { UserSession } from '../../src/index.ts';
import { Jar, post, request } from './support.ts';

/** What the flows need of a running app; read after the file's `before` has started it. */
export interface PassportApp {
  readonly url: (path: string) => string;
  readonly store: Store;
  /** The store key of the session behind a ticket. */
  readonly keyOf: (ticket: string) => string;
  readonly listUser: (userId: string) => Promise<UserSession[]>;
  /** How the app's login form is posted (urlencoded by default; JSON where the app parses that). */
  readonly post?: typeof post;
  /** The one user the app's strategy knows. */
  readonly user: { readonly id: string; readonly username: string; readonly password: string };
}

/** Registers the flows, titled with `name` (the passport package and framework). */
export function passportFlows(name: string, running: () => PassportApp): void {
  const app = () => ({ post, ...running() });
  const credentials = () => ({ username: app().user.username, password: app().user.password });

  it(`${name}: login regenerates the session (new ticket, the pre-login one dead) and binds the user`, async () => {
    const { url, store, keyOf, listUser, user, post } = app();
    const jar = new Jar('sid');
    jar.take(await post(url('/cart'), {}, undefined));
    const anonymous = jar.value!;
    assert.equal((await request(url('/me'), { cookie: jar.header! })).status, 401);

    const login = await post(url('/login'), credentials(), jar.header);
    assert.equal(login.status, 302);
    assert.equal(login.headers.get('location'), '/me');
    jar.take(login);
    assert.notEqual(jar.value, anonymous, 'a new ticket at login');
    assert.equal(await store.get(keyOf(anonymous)), undefined, 'the pre-login session is gone');
    assert.equal((await request(url('/me'), { cookie: `sid=${anonymous}` })).status, 401);

    const me = await request(url('/me'), { cookie: jar.header! });
    assert.equal(me.status, 200);
    assert.equal(me.body, `${user.username} cart=`, 'without keepSessionInfo the old data does not follow');
    assert.deepEqual(
      (await listUser(user.id)).map((entry) => entry.sessionId),
      [keyOf(jar.value!)],
    );
  });

  it(`${name}: keepSessionInfo carries the session data across the login`, async () => {
    const { url, user, post } = app();
    const jar = new Jar('sid');
    jar.take(await post(url('/cart'), {}, undefined));
    jar.take(await post(url('/cart'), {}, jar.header));
    const before = jar.value;
    jar.take(await post(url('/login-keep'), credentials(), jar.header));
    assert.notEqual(jar.value, before);
    assert.equal(
      (await request(url('/me'), { cookie: jar.header! })).body,
      `${user.username} cart=sku-1,sku-1`,
    );
  });

  it(`${name}: a failed login changes nothing and redirects to the form`, async () => {
    const { url, user, post } = app();
    const jar = new Jar('sid');
    jar.take(await post(url('/cart'), {}, undefined));
    const ticket = jar.value;
    const failed = await post(url('/login'), { username: user.username, password: 'wrong' }, jar.header);
    assert.equal(failed.status, 302);
    assert.equal(failed.headers.get('location'), '/login');
    assert.deepEqual(failed.setCookie, []);
    assert.equal(jar.value, ticket);
  });

  it(`${name}: logout regenerates (the logged-in ticket dies) and a second login is a new ticket`, async () => {
    const { url, store, keyOf, user, post } = app();
    const jar = new Jar('sid');
    jar.take(await post(url('/login'), credentials(), undefined));
    const first = jar.value!;
    assert.equal((await request(url('/me'), { cookie: jar.header! })).status, 200);

    const logout = await post(url('/logout'), {}, jar.header);
    assert.equal(logout.status, 302);
    jar.take(logout);
    assert.equal(await store.get(keyOf(first)), undefined, 'the logged-in session is gone');
    assert.equal((await request(url('/me'), { cookie: `sid=${first}` })).status, 401);
    assert.equal((await request(url('/me'), { cookie: jar.header ?? '' })).status, 401);

    jar.take(await post(url('/login'), credentials(), jar.header));
    assert.ok(jar.value !== undefined && jar.value !== first, 'a second login gets a new ticket');
    assert.equal((await request(url('/me'), { cookie: jar.header! })).body, `${user.username} cart=`);
  });
}
