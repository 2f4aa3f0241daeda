/**
 * The `randomBytes(n).toString('base64url')` that coatcheck/testing's record factories use,
 * bundled in place of `node:crypto` where there is none. Only the harness gets it: coatcheck's own
 * modules are never redirected (runtime-bundles.ts fails the build if one imports `node:`).
 */

export function randomBytes(length: number): { toString(encoding: 'base64url'): string } {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return {
    toString(encoding) {
      if (encoding !== 'base64url') throw new TypeError(`mini-crypto: unsupported encoding ${encoding}`);
      let binary = '';
      for (const byte of bytes) binary += String.fromCharCode(byte);
      return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
    },
  };
}
