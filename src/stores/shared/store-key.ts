/**
 * Validation of the store keys the embedded stores receive.
 *
 * Core hands stores `keyPrefix + sha256(token)` in base64url, and `keyPrefix` is limited to
 * `[A-Za-z0-9_:.-]`, so every genuine key matches {@link STORE_KEY_PATTERN}. Rejecting anything
 * else is what makes a path traversal impossible in the filesystem store: a key can never hold a
 * `/`, a `\`, a NUL byte or be `.`/`..`.
 */
import { ConfigError } from '../../core/errors.ts';

/** Letters, digits, `_`, `:`, `.` and `-`, 1 to 200 characters. */
export const STORE_KEY_PATTERN = /^[A-Za-z0-9_:.-]{1,200}$/;

/**
 * Returns `key` when it is a valid store key.
 * @throws ConfigError (`COATCHECK_CONFIG`) otherwise: keys come from core (a hashed token plus
 * `keyPrefix`), so a bad one means the store is called directly with a key it cannot hold safely.
 */
export function checkStoreKey(store: string, key: unknown): string {
  if (typeof key !== 'string' || !STORE_KEY_PATTERN.test(key) || /^\.+$/.test(key)) {
    const shown = typeof key === 'string' ? JSON.stringify(key.slice(0, 80)) : typeof key;
    throw new ConfigError(
      `${store}: ${shown} is not a valid store key (1-200 of A-Z a-z 0-9 _ : . -, not only dots). Keys come from core: a hashed token plus keyPrefix.`,
    );
  }
  return key;
}
