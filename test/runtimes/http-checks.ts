/**
 * The HTTP behaviour checks every runtime's app must pass, for the Web adapter and for Hono
 * (apps/app.js): each check is a whole conversation with a fresh client, so one failing check
 * says what broke and leaves the others meaningful. Real HTTP against whatever server the runtime
 * started.
 */
import assert from 'node:assert/strict';

const TICKET = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;

/** One response, headers as the client saw them. */
interface Reply {
  readonly status: number;
  readonly body: string;
  readonly setCookies: readonly string[];
  readonly vary: string | null;
  readonly cacheControl: string | null;
}

/** A client with a one-cookie jar (the session cookie), like a browser tab. */
class Client {
  cookie: string | undefined;
  constructor(
    private readonly base: string,
    private readonly prefix: string,
  ) {}

  async send(method: string, path: string, cookie = this.cookie): Promise<Reply> {
    const response = await fetch(`${this.base}${this.prefix}${path}`, {
      method,
      headers: cookie === undefined ? {} : { cookie },
      redirect: 'manual',
    });
    const setCookies = response.headers.getSetCookie();
    for (const header of setCookies) {
      const pair = header.split(';', 1)[0]!;
      this.cookie = isClearing(header) ? undefined : pair;
    }
    return {
      status: response.status,
      body: await response.text(),
      setCookies,
      vary: response.headers.get('vary'),
      cacheControl: response.headers.get('cache-control'),
    };
  }
}

function isClearing(setCookie: string): boolean {
  return /;\s*max-age=0\b/i.test(setCookie) || /;\s*expires=[^;]*1970/i.test(setCookie);
}

function ticketOf(setCookie: string): string {
  const pair = setCookie.split(';', 1)[0]!;
  return pair.slice(pair.indexOf('=') + 1);
}

/** One check: a name and a conversation against the app's base URL and adapter prefix. */
export interface HttpCheck {
  readonly name: string;
  run(base: string, prefix: string): Promise<void>;
}

export const HTTP_CHECKS: readonly HttpCheck[] = [
  {
    name: 'an untouched request gets no cookie, no Vary and no Cache-Control',
    async run(base, prefix) {
      const reply = await new Client(base, prefix).send('GET', '/untouched');
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'untouched');
      assert.deepEqual(reply.setCookies, []);
      assert.equal(reply.vary, null);
      assert.equal(reply.cacheControl, null);
    },
  },
  {
    name: 'a first write sets a signed __Host- ticket cookie (HttpOnly, Secure, SameSite=Lax), Vary: Cookie, no-store',
    async run(base, prefix) {
      const reply = await new Client(base, prefix).send('GET', '/count');
      assert.equal(reply.body, '1');
      assert.equal(reply.setCookies.length, 1, 'one Set-Cookie');
      const cookie = reply.setCookies[0]!;
      assert.match(cookie, /^__Host-sid=/, 'secure by default: NODE_ENV was read as not development');
      assert.match(ticketOf(cookie), TICKET, 'token.signature');
      for (const attribute of [/;\s*Path=\/(;|$)/i, /;\s*HttpOnly/i, /;\s*Secure/i, /;\s*SameSite=Lax/i]) {
        assert.match(cookie, attribute);
      }
      assert.match(reply.vary ?? '', /\bcookie\b/i);
      assert.match(reply.cacheControl ?? '', /no-store/);
    },
  },
  {
    name: 'the cookie reads back what was written; an unchanged read sends no cookie',
    async run(base, prefix) {
      const client = new Client(base, prefix);
      await client.send('GET', '/count');
      const reply = await client.send('GET', '/read');
      assert.equal(reply.body, '1');
      assert.deepEqual(reply.setCookies, [], 'nothing changed: no Set-Cookie');
    },
  },
  {
    name: 'writes through the cookie land in the same session, with the same ticket',
    async run(base, prefix) {
      const client = new Client(base, prefix);
      await client.send('GET', '/count');
      const ticket = client.cookie;
      assert.equal((await client.send('GET', '/count')).body, '2');
      assert.equal((await client.send('GET', '/count')).body, '3');
      assert.equal(client.cookie, ticket, 'no new ticket for a write');
      assert.equal((await client.send('GET', '/read')).body, '3');
    },
  },
  {
    name: 'rotate and login move the data to a new ticket; login binds the user',
    async run(base, prefix) {
      const client = new Client(base, prefix);
      await client.send('GET', '/count');
      const first = client.cookie;
      const rotated = await client.send('POST', '/rotate');
      assert.equal(rotated.setCookies.length, 1, 'the new ticket is sent');
      assert.notEqual(client.cookie, first);
      assert.equal((await client.send('GET', '/read')).body, '1', 'the data moved');
      const second = client.cookie;
      await client.send('POST', '/login?user=alice');
      assert.notEqual(client.cookie, second, 'login rotates');
      assert.equal((await client.send('GET', '/whoami')).body, 'alice');
      assert.equal((await client.send('GET', '/read')).body, '1');
      assert.equal(
        (await client.send('GET', '/whoami', second)).body,
        'anonymous',
        'the ticket before login is dead',
      );
    },
  },
  {
    name: 'destroy clears the cookie and kills the ticket',
    async run(base, prefix) {
      const client = new Client(base, prefix);
      await client.send('GET', '/count');
      const ticket = client.cookie;
      const reply = await client.send('POST', '/logout');
      assert.equal(reply.setCookies.length, 1);
      assert.ok(isClearing(reply.setCookies[0]!), `a clearing cookie: ${reply.setCookies[0]}`);
      const after = await client.send('GET', '/read', ticket);
      assert.equal(after.body, '0', 'the old ticket reads an empty session');
    },
  },
  {
    name: 'a tampered or malformed ticket gives a fresh session and its cookie is cleared',
    async run(base, prefix) {
      const client = new Client(base, prefix);
      await client.send('GET', '/count');
      const [name, value] = client.cookie!.split('=') as [string, string];
      const last = value.at(-1) === 'A' ? 'Q' : 'A';
      for (const bad of [`${name}=${value.slice(0, -1)}${last}`, `${name}=not-a-ticket`]) {
        const reply = await client.send('GET', '/read', bad);
        assert.equal(reply.body, '0', `${bad}: an empty session`);
        assert.equal(reply.setCookies.length, 1, `${bad}: one Set-Cookie`);
        assert.ok(isClearing(reply.setCookies[0]!), `${bad}: cleared, got ${reply.setCookies[0]}`);
      }
      assert.equal(
        (await client.send('GET', '/read', `${name}=${value}`)).body,
        '1',
        'the real ticket still works',
      );
    },
  },
];

/** What `/runtime` answers: which runtime served the app. */
export async function servingRuntime(base: string, prefix: string): Promise<string> {
  return (await new Client(base, prefix).send('GET', '/runtime')).body;
}
