/**
 * Process warnings with a stable `COATCHECK_*` code: `process.emitWarning` where the runtime has
 * it (Node, Bun, Deno), `console.warn` elsewhere (workerd, edge runtimes).
 */

interface WarningProcess {
  emitWarning(message: string, options: { type: string; code: string }): void;
}

/**
 * Emits `message` as a CoatcheckWarning with `code`. Never throws: Next.js's edge runtime makes
 * merely reading `process.emitWarning` throw ("A Node.js API is used … not supported in the Edge
 * Runtime"), and a warning must not turn `createSessions` into a crash, so any failure to reach
 * or call it falls back to `console.warn`.
 */
export function warn(message: string, code: string): void {
  try {
    const host = (globalThis as { process?: Partial<WarningProcess> }).process;
    if (typeof host?.emitWarning === 'function') {
      host.emitWarning(message, { type: 'CoatcheckWarning', code });
      return;
    }
  } catch {
    // fall through to the console
  }
  console.warn(`CoatcheckWarning [${code}]: ${message}`);
}
