/**
 * Next.js's control-flow throws. `redirect()`, `notFound()`, `forbidden()` and `unauthorized()`
 * end a Route Handler or Server Action by throwing an error whose `digest` says what to answer;
 * Next turns it into the response. The session must still be committed (a login followed by
 * `redirect('/')` is the common case), so the adapter reads the digest to know the status.
 * Next exports no public predicate for this (`isRedirectError` lives under next/dist/), so the
 * digest's documented-by-use shape is read here, in one place:
 *   `NEXT_REDIRECT;<replace|push>;<url>;<status>;` and `NEXT_HTTP_ERROR_FALLBACK;<status>`.
 */

/** The status a Next.js control-flow throw answers with, or undefined for any other error. */
export function controlFlowStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const digest = (error as { digest?: unknown }).digest;
  if (typeof digest !== 'string') return undefined;
  const fields = digest.split(';');
  if (fields[0] === 'NEXT_REDIRECT') return statusOf(fields[3], 307);
  if (fields[0] === 'NEXT_HTTP_ERROR_FALLBACK') return statusOf(fields[1], 404);
  return undefined;
}

function statusOf(field: string | undefined, fallback: number): number {
  const status = Number(field);
  return Number.isInteger(status) && status >= 100 && status <= 599 ? status : fallback;
}
