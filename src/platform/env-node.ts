/** `#platform/env` on Node and Bun (the `node` condition): the process environment. */

export function nodeEnv(): string | undefined {
  return process.env.NODE_ENV;
}
