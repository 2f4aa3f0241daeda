/** A minimal HTTP client with a one-cookie jar, reading Set-Cookie exactly as the server sent it. */
export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly setCookie: string[];
  readonly headers: Headers;
}

export async function request(
  url: string,
  init: { method?: string; cookie?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.cookie !== undefined) headers.cookie = init.cookie;
  const response = await fetch(url, { method: init.method ?? 'GET', headers, redirect: 'manual' });
  return {
    status: response.status,
    body: await response.text(),
    setCookie: response.headers.getSetCookie(),
    headers: response.headers,
  };
}

/** Parses one Set-Cookie value into its name, value and lower-cased attributes. */
export function parseSetCookie(header: string): {
  name: string;
  value: string;
  attributes: Map<string, string>;
} {
  const [pair = '', ...rest] = header.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const [k = '', v = ''] = part.trim().split('=');
    attributes.set(k.toLowerCase(), v);
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

/** Keeps the session cookie across requests, like a browser with one cookie. */
export class Jar {
  value: string | undefined;
  constructor(readonly name: string) {}
  get header(): string | undefined {
    return this.value === undefined ? undefined : `${this.name}=${this.value}`;
  }
  take(reply: Reply): void {
    for (const header of reply.setCookie) {
      const cookie = parseSetCookie(header);
      if (cookie.name !== this.name) continue;
      this.value = cookie.attributes.get('max-age') === '0' ? undefined : cookie.value;
    }
  }
}
