/**
 * Durations in options: milliseconds as a number, or a short string such as '30m', '7d', '1500ms'.
 */
import { ConfigError } from './errors.ts';

/** A duration: milliseconds, or a string of a whole number and a unit (ms, s, m, h, d, w). */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd' | 'w'}`;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Milliseconds for `value`; throws ConfigError naming `option` when it is not a valid, non-negative duration. */
export function toMilliseconds(value: Duration, option: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.floor(value);
  } else {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(value);
    if (match) return Math.floor(Number(match[1]) * UNIT_MS[match[2]!]!);
  }
  throw new ConfigError(
    `Option \`${option}\` must be a non-negative number of milliseconds or a string like '30m' or '7d'; got ${JSON.stringify(value)}.`,
  );
}
