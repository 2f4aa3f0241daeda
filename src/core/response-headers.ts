/**
 * The headers a commit adds to a response, as plain name/value pairs, so each adapter only moves
 * strings into its framework's response object.
 */
import type { CommitResult } from './commit.ts';

/** Header that carries a new ticket to header-transport (API) clients. */
export const TICKET_HEADER = 'x-session-token';

/** The `Clear-Site-Data` value sent on destroy when `clearSiteData` is on. */
export const CLEAR_SITE_DATA = '"cookies", "storage"';

/** A header to append (`set-cookie`), merge (`vary`) or set (the others). */
export interface ResponseHeader {
  readonly name: 'set-cookie' | 'vary' | 'cache-control' | 'clear-site-data' | typeof TICKET_HEADER;
  readonly value: string;
}

/** The headers for `result`, in the order they should be applied. */
export function responseHeaders(result: CommitResult): ResponseHeader[] {
  const headers: ResponseHeader[] = [];
  if (result.setCookie !== undefined) headers.push({ name: 'set-cookie', value: result.setCookie });
  if (result.headerTicket !== undefined) headers.push({ name: TICKET_HEADER, value: result.headerTicket });
  if (result.varyCookie) headers.push({ name: 'vary', value: 'Cookie' });
  if (result.noStore || result.clearSiteData) headers.push({ name: 'cache-control', value: 'no-store' });
  if (result.clearSiteData) headers.push({ name: 'clear-site-data', value: CLEAR_SITE_DATA });
  return headers;
}

/** `existing` Vary value with `token` added once (case-insensitive), keeping `*` as is. */
export function mergeVary(existing: string | undefined, token: string): string {
  if (existing === undefined || existing.trim() === '') return token;
  const parts = existing.split(',').map((part) => part.trim().toLowerCase());
  if (parts.includes('*') || parts.includes(token.toLowerCase())) return existing;
  return `${existing}, ${token}`;
}
