/**
 * `#platform/env` where no `node` or `deno` condition applies (workerd, the edge runtime,
 * browsers): `NODE_ENV` is what a bundler substituted for `process.env.NODE_ENV` (Next.js,
 * esbuild's `define`, Vite) or what a `process` polyfill holds (workerd's `nodejs_compat`), and
 * `undefined` (the production-safe reading) where there is neither.
 */

export function nodeEnv(): string | undefined {
  try {
    // Spelled out, unguarded, so that a bundler's substitution of `process.env.NODE_ENV` applies
    // (a `typeof process` guard would survive it and answer undefined where `process` is absent).
    return process.env.NODE_ENV;
  } catch {
    return undefined; // no `process` at all, or a sandbox whose `process.env` refuses reads
  }
}

export function emitWarning(message: string, code: string): void {
  console.warn(`CoatcheckWarning [${code}]: ${message}`);
}
