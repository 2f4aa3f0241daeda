/**
 * Process warnings with a stable `COATCHECK_*` code: `process.emitWarning` where the runtime has
 * it (Node, Bun, Deno), `console.warn` elsewhere (workerd, edge runtimes).
 */

interface WarningProcess {
  emitWarning(message: string, options: { type: string; code: string }): void;
}

/** Emits `message` as a CoatcheckWarning with `code`. */
export function warn(message: string, code: string): void {
  const host = (globalThis as { process?: Partial<WarningProcess> }).process;
  if (typeof host?.emitWarning === 'function') host.emitWarning(message, { type: 'CoatcheckWarning', code });
  else console.warn(`CoatcheckWarning [${code}]: ${message}`);
}
