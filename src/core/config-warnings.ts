/**
 * Start-up warnings for configurations that work but weaken sessions. Each is emitted through
 * warn.ts (`process.emitWarning` where it exists, else `console.warn`) with a stable `COATCHECK_*`
 * code, once per process per code, so a test suite or a multi-tenant app creating many managers is
 * not flooded. Configurations that cannot work at all (SameSite=None or Partitioned without
 * Secure) are ConfigErrors in options.ts instead.
 */
import { nodeEnv } from '#platform/env';
import { warn } from './warn.ts';

/** Codes of the start-up warnings (`warning.code`). */
export const WarningCodes = {
  /** `cookie.secure: false` outside `NODE_ENV=development`: the ticket may travel in clear text. */
  INSECURE_COOKIE: 'COATCHECK_INSECURE_COOKIE',
  /** `absoluteTimeout: false`: an active session (or a stolen ticket) never has to re-authenticate. */
  NO_ABSOLUTE_TIMEOUT: 'COATCHECK_NO_ABSOLUTE_TIMEOUT',
  /** The memory store with `NODE_ENV=production`: sessions die on restart and are not shared. */
  MEMORY_STORE_IN_PRODUCTION: 'COATCHECK_MEMORY_STORE_IN_PRODUCTION',
} as const;

/**
 * One of {@link WarningCodes}' values: the `code` of a start-up warning, for
 * `process.on('warning', (w) => …)` filters.
 */
export type WarningCode = (typeof WarningCodes)[keyof typeof WarningCodes];

const emitted = new Set<WarningCode>();

/** Emits `message` under `code` unless this process already did. */
export function warnOnce(code: WarningCode, message: string): void {
  if (emitted.has(code)) return;
  emitted.add(code);
  warn(message, code);
}

/** What the checks read of the resolved options (declared here, so options.ts can import this module). */
export interface CheckedOptions {
  readonly cookie: { readonly secure: boolean } | undefined;
  readonly store: { readonly name: string };
}

/**
 * Checks resolved options and warns about each dangerous choice (see {@link WarningCodes}).
 * `env` is the app's NODE_ENV; by default what the runtime tells without asking for a permission
 * (`#platform/env`), so Deno without `--allow-env` loads and gets the production-safe reading.
 */
export function warnAboutDangerousConfig(
  options: CheckedOptions,
  absoluteDisabled: boolean,
  env: string | undefined = nodeEnv(),
): void {
  if (options.cookie !== undefined && !options.cookie.secure && env !== 'development') {
    warnOnce(
      WarningCodes.INSECURE_COOKIE,
      `coatcheck: \`cookie.secure\` is false while NODE_ENV is ${JSON.stringify(env ?? '')}; the session cookie will also be sent over plain HTTP. Serve over HTTPS and remove \`secure: false\` (it is only meant for NODE_ENV=development).`,
    );
  }
  if (absoluteDisabled) {
    warnOnce(
      WarningCodes.NO_ABSOLUTE_TIMEOUT,
      'coatcheck: `absoluteTimeout: false` lets an active session live forever (ASVS 7.3.2); set a maximum lifetime such as `absoluteTimeout: "7d"`.',
    );
  }
  if (options.store.name === 'memory' && env === 'production') {
    warnOnce(
      WarningCodes.MEMORY_STORE_IN_PRODUCTION,
      'coatcheck: the memory store is in use with NODE_ENV=production; sessions vanish on restart and are not shared between processes. Use a persistent store (Redis, PostgreSQL, MySQL, SQLite...).',
    );
  }
}
