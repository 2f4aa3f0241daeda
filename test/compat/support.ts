/**
 * Shared pieces of the compatibility tests: a controllable clock, a counted memory store (an
 * observer of the real store, see counting-store.ts), and the HTTP client and listener the
 * behaviour matrix uses.
 */
import type { Server } from 'node:http';
import type { Store } from '../../src/core/store.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { listen } from '../http/apps/listen.ts';
import { type CountedStore, countingStore } from '../support/counting-store.ts';

export { Jar, parseSetCookie, type Reply, request } from '../http/client.ts';

export const MINUTE = 60_000;

export interface Clock {
  now: number;
}

export function clock(): Clock {
  return { now: Date.UTC(2026, 0, 1) };
}

/** A memory store on `time`, counted. */
export function countedStore(time: Clock): CountedStore {
  return countingStore(memoryStore({ now: () => time.now }));
}

/** Serves `server` on 127.0.0.1 port 0; `url(path)` builds request URLs. */
export async function serve(
  server: Server,
): Promise<{ url: (path: string) => string; close(): Promise<void> }> {
  const running = await listen(server);
  return { url: (path) => running.url + path, close: () => running.close() };
}

/** `inner` with every read failing, as an unreachable store would (delegates everything else). */
export function failingReads(inner: Store): Store {
  return {
    ...inner,
    get: () => Promise.reject(new Error('connection refused')),
  };
}

/** A form body for passport-local. */
export function form(fields: Record<string, string>): { body: string; headers: Record<string, string> } {
  return {
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  };
}

/** POSTs a form, with the cookie jar's cookie; no redirect following. */
export async function post(
  url: string,
  fields: Record<string, string>,
  cookie: string | undefined,
): Promise<{ status: number; body: string; setCookie: string[]; headers: Headers }> {
  const { body, headers } = form(fields);
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: cookie === undefined ? headers : { ...headers, cookie },
    redirect: 'manual',
  });
  return {
    status: response.status,
    body: await response.text(),
    setCookie: response.headers.getSetCookie(),
    headers: response.headers,
  };
}

/** POSTs JSON (Fastify parses no form bodies by itself), with the jar's cookie; no redirect following. */
export async function postJson(
  url: string,
  fields: Record<string, string>,
  cookie: string | undefined,
): Promise<{ status: number; body: string; setCookie: string[]; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (cookie !== undefined) headers.cookie = cookie;
  const response = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(fields),
    headers,
    redirect: 'manual',
  });
  return {
    status: response.status,
    body: await response.text(),
    setCookie: response.headers.getSetCookie(),
    headers: response.headers,
  };
}
