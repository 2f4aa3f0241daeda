/**
 * Base64 for the portable platform code and for core's configuration parsing, without `Buffer`:
 * an encoder to unpadded base64url (RFC 4648 §5) and a decoder that takes either alphabet.
 * Node's variant of `#platform/crypto` keeps `Buffer`'s native codec on its hot paths.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// Fast path: one lookup per 12 bits (two output characters) halves the string concatenations.
const PAIRS: readonly string[] = Array.from(
  { length: 4096 },
  (_, i) => ALPHABET[i >> 6]! + ALPHABET[i & 63]!,
);

// Character code → 6-bit value for both alphabets (`+/` and `-_`), -1 for anything else.
const VALUES: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) table[ALPHABET.charCodeAt(i)] = i;
  table[43] = 62; // '+'
  table[47] = 63; // '/'
  return table;
})();

/** `bytes` in unpadded base64url. */
export function base64UrlEncode(bytes: Uint8Array): string {
  let out = '';
  const whole = bytes.length - (bytes.length % 3);
  for (let i = 0; i < whole; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += PAIRS[v >> 12]! + PAIRS[v & 4095]!;
  }
  const rest = bytes.length - whole;
  if (rest === 1) {
    const v = bytes[whole]!;
    out += ALPHABET[v >> 2]! + ALPHABET[(v & 3) << 4]!;
  } else if (rest === 2) {
    const v = (bytes[whole]! << 8) | bytes[whole + 1]!;
    out += ALPHABET[v >> 10]! + ALPHABET[(v >> 4) & 63]! + ALPHABET[(v & 15) << 2]!;
  }
  return out;
}

/**
 * Decodes base64 or base64url text, padded or not; `undefined` when `text` holds any other
 * character (whitespace included), misplaced padding, or a length no encoding produces.
 */
export function base64Decode(text: string): Uint8Array | undefined {
  let end = text.length;
  if (end % 4 === 0 && end > 0 && text.charCodeAt(end - 1) === 61)
    end -= text.charCodeAt(end - 2) === 61 ? 2 : 1;
  if (end % 4 === 1) return undefined;
  const out = new Uint8Array((end * 3) >> 2);
  let bits = 0;
  let count = 0;
  let at = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? VALUES[code]! : -1;
    if (value < 0) return undefined;
    bits = ((bits << 6) | value) & 0xffffff;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[at++] = (bits >> count) & 255;
    }
  }
  return out;
}
