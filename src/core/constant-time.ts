/**
 * Constant-time string equality, for comparing a presented secret (a ticket signature, a CSRF
 * token) with the expected one without `node:crypto` (CWE-208).
 */

/**
 * True when `given` equals `expected`. The time taken depends only on the lengths, never on where
 * the strings differ: every UTF-16 code unit is compared, and a length mismatch (which reveals
 * nothing secret: every ticket and token has a public fixed length) returns at once.
 */
export function constantTimeEqual(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return difference === 0;
}
