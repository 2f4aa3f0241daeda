/**
 * `#platform/env` on Deno (the `deno` condition, matched before `node`): reading `process.env`
 * without `--allow-env` throws (or prompts, on a terminal), so `NODE_ENV` is read only when that
 * permission is already granted, and is `undefined` (the production-safe reading) otherwise.
 */

/** The part of the `Deno` global used here (its types are not in this project's lib). */
declare const Deno: {
  readonly permissions: {
    querySync(descriptor: { readonly name: 'env'; readonly variable: string }): { readonly state: string };
  };
  readonly env: { get(name: string): string | undefined };
};

/** Deno's Node-compatible `process` global (Deno 2), whose `emitWarning` needs no permission. */
declare const process: {
  emitWarning(message: string, options: { readonly type: string; readonly code: string }): void;
};

export function nodeEnv(): string | undefined {
  // querySync only reads the permission state: it never prompts.
  if (Deno.permissions.querySync({ name: 'env', variable: 'NODE_ENV' }).state !== 'granted') return undefined;
  return Deno.env.get('NODE_ENV');
}

export function emitWarning(message: string, code: string): void {
  process.emitWarning(message, { type: 'CoatcheckWarning', code });
}
