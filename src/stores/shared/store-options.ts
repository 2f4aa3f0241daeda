/** Validation of the numeric options several stores share (batch sizes, intervals). */
import { ConfigError } from '../../core/errors.ts';

/**
 * Validates a positive integer option such as a batch size.
 * @throws ConfigError (`COATCHECK_CONFIG`) naming `option`.
 */
export function positiveInteger(store: string, option: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(`${store}: ${option} must be a positive integer, got ${value}.`);
  }
  return value;
}

/**
 * Validates an interval in ms where `0` means "disabled".
 * @throws ConfigError (`COATCHECK_CONFIG`) naming `option`.
 */
export function intervalMs(store: string, option: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 2_147_483_647) {
    throw new ConfigError(
      `${store}: ${option} must be a number of ms between 0 (disabled) and 2147483647, got ${value}.`,
    );
  }
  return value;
}
