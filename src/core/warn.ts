/**
 * Warnings with a stable `COATCHECK_*` code, through the runtime's shim (`#platform/env`):
 * `process.emitWarning` on Node, Bun and Deno, `console.warn` on workerd and edge runtimes.
 */
import { emitWarning } from '#platform/env';

/**
 * Emits `message` as a CoatcheckWarning with `code`. Never throws: a warning must not turn
 * `createSessions` into a crash, so a failing `emitWarning` (a sandbox that refuses it) falls back
 * to the console.
 */
export function warn(message: string, code: string): void {
  try {
    emitWarning(message, code);
  } catch {
    console.warn(`CoatcheckWarning [${code}]: ${message}`);
  }
}
