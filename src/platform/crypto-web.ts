/**
 * `#platform/crypto` everywhere else (workerd, the edge runtime, browsers): Web Crypto's
 * `getRandomValues` for randomness, and the audited pure-JS `@noble/hashes` and `@noble/ciphers`
 * for SHA-256, HMAC and AES-256-GCM, because `crypto.subtle` is asynchronous only and core hashes,
 * signs and seals synchronously on the request path.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64Decode, base64UrlEncode } from './base64.ts';
import type { Aes256Gcm } from './contracts.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function randomBase64Url(byteLength: number): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(byteLength)));
}

export function sha256Base64Url(data: string | Uint8Array): string {
  return base64UrlEncode(sha256(typeof data === 'string' ? encoder.encode(data) : data));
}

export function hmacSha256Base64Url(key: Uint8Array): (text: string) => string {
  // The keyed inner and outer states are computed once; each call continues from a clone.
  const keyed = hmac.create(sha256, new Uint8Array(key));
  return (text) => base64UrlEncode(keyed.clone().update(encoder.encode(text)).digest());
}

/** Decodes one base64url part of a sealed value; only our own unpadded alphabet is accepted. */
function part(text: string): Uint8Array {
  const bytes = /^[A-Za-z0-9_-]*$/.test(text) ? base64Decode(text) : undefined;
  if (bytes === undefined) throw new Error('Malformed AES-GCM part.');
  return bytes;
}

export function aes256Gcm(key: Uint8Array): Aes256Gcm {
  const secret = new Uint8Array(key);
  return {
    seal(plaintext, aad) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      // noble returns ciphertext ‖ tag; the stored format keeps them as separate parts.
      const sealed = gcm(secret, iv, encoder.encode(aad)).encrypt(encoder.encode(plaintext));
      const cut = sealed.length - 16;
      return [
        base64UrlEncode(iv),
        base64UrlEncode(sealed.subarray(0, cut)),
        base64UrlEncode(sealed.subarray(cut)),
      ];
    },
    open(iv, body, tag, aad) {
      const ivBytes = part(iv);
      const bodyBytes = part(body);
      const tagBytes = part(tag);
      if (ivBytes.length !== 12 || tagBytes.length !== 16) throw new Error('Malformed AES-GCM parts.');
      const joined = new Uint8Array(bodyBytes.length + 16);
      joined.set(bodyBytes);
      joined.set(tagBytes, bodyBytes.length);
      return decoder.decode(gcm(secret, ivBytes, encoder.encode(aad)).decrypt(joined));
    },
  };
}
