/** `#platform/env` on Node and Bun (the `node` condition): the process environment. */

export function nodeEnv(): string | undefined {
  return process.env.NODE_ENV;
}

export function emitWarning(message: string, code: string): void {
  process.emitWarning(message, { type: 'CoatcheckWarning', code });
}
