/**
 * `#platform/crypto` on Node and Bun (the `node` condition): `node:crypto`, native and faster than
 * the portable variant on every operation (bench/micro, docs/BENCHMARKS.md).
 */
import * as crypto from 'node:crypto';
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import type { Aes256Gcm } from './contracts.ts';

export function randomBase64Url(byteLength: number): string {
  return randomBytes(byteLength).toString('base64url');
}

// Hot path (every request with a ticket): the one-shot crypto.hash (Node >= 20.12) costs about a
// third of createHash().update().digest(), which builds a Hash object per call. It hashes a
// string as its UTF-8 bytes, as createHash does. Chosen once, at module load.
const oneShot = (
  crypto as {
    hash?: (algorithm: string, data: string | Uint8Array, encoding: 'base64url') => string;
  }
).hash;

export const sha256Base64Url: (data: string | Uint8Array) => string =
  oneShot === undefined
    ? (data) => createHash('sha256').update(data).digest('base64url')
    : (data) => oneShot('sha256', data, 'base64url');

export function hmacSha256Base64Url(key: Uint8Array): (text: string) => string {
  const secret = Buffer.from(key);
  return (text) => createHmac('sha256', secret).update(text).digest('base64url');
}

export function aes256Gcm(key: Uint8Array): Aes256Gcm {
  const secret = Buffer.from(key);
  return {
    seal(plaintext, aad) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', secret, iv);
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [
        iv.toString('base64url'),
        body.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ];
    },
    open(iv, body, tag, aad) {
      const ivBytes = Buffer.from(iv, 'base64url');
      const tagBytes = Buffer.from(tag, 'base64url');
      if (ivBytes.length !== 12 || tagBytes.length !== 16) throw new Error('Malformed AES-GCM parts.');
      // authTagLength pins the tag to 16 bytes: Node would otherwise accept one as short as 4.
      const decipher = createDecipheriv('aes-256-gcm', secret, ivBytes, { authTagLength: 16 });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}
