/**
 * Encryption at rest: AES-256-GCM over each encoded value, so a store dump reveals neither the
 * data nor lets anyone alter it unnoticed. Keys rotate as a list: the first encrypts, every key
 * decrypts, and a value sealed under an older key is reported stale so core re-seals it on the
 * next write. The field name is authenticated data, so a value cannot be moved to another field.
 * The cipher itself is the runtime's (`#platform/crypto`): `node:crypto` on Node, pure JS elsewhere.
 */
import { aes256Gcm, sha256Base64Url } from '#platform/crypto';
import { base64Decode } from '../platform/base64.ts';
import type { Aes256Gcm } from '../platform/contracts.ts';
import { ConfigError, CorruptRecordError } from './errors.ts';

/** Seals and opens encoded values. Core calls it around every value it stores or loads. */
export interface ValueCipher {
  /** Encrypts `plaintext` under the first key, bound to `field` (a sealed value cannot move to another field). */
  seal(plaintext: string, field: string): string;
  /** @throws CorruptRecordError when the value was tampered with or no key opens it. */
  open(sealed: string, field: string): { readonly plaintext: string; readonly stale: boolean };
}

interface Key {
  readonly id: string;
  readonly cipher: Aes256Gcm;
}

const VERSION = 'e1';

/** 32 raw bytes, or base64/base64url text of them (whitespace around or inside, as in a PEM-style file, ignored). */
function keyBytes(key: string | Uint8Array, index: number): Uint8Array {
  const bytes = typeof key === 'string' ? base64Decode(key.replace(/\s+/g, '')) : new Uint8Array(key);
  if (bytes === undefined || bytes.length !== 32) {
    const got = bytes === undefined ? 'text that is not base64' : `${bytes.length} bytes`;
    throw new ConfigError(
      `Option \`encryption.keys[${index}]\` must be 32 bytes (raw, or base64 text), got ${got}; make one with \`openssl rand -base64 32\`.`,
    );
  }
  return bytes;
}

/** Parses `keys` (32 raw bytes, or 32 bytes in base64/base64url text) into a cipher. */
export function createValueCipher(keys: readonly (string | Uint8Array)[]): ValueCipher {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ConfigError('Option `encryption.keys` must be a non-empty array: [current, ...previous].');
  }
  const parsed: Key[] = keys.map((key, index) => {
    const bytes = keyBytes(key, index);
    // The key id names the key without revealing it, so old keys can be found on decryption.
    return { id: sha256Base64Url(bytes).slice(0, 8), cipher: aes256Gcm(bytes) };
  });
  const current = parsed[0]!;
  const byId = new Map(parsed.map((key) => [key.id, key]));

  return {
    seal(plaintext, field) {
      const [iv, body, tag] = current.cipher.seal(plaintext, field);
      return `${VERSION}.${current.id}.${iv}.${body}.${tag}`;
    },
    open(sealed, field) {
      const parts = sealed.split('.');
      if (parts.length !== 5 || parts[0] !== VERSION)
        throw new CorruptRecordError('A stored value is not sealed.');
      const key = byId.get(parts[1]!);
      if (key === undefined)
        throw new CorruptRecordError('A stored value is sealed with a key no longer configured.');
      try {
        return { plaintext: key.cipher.open(parts[2]!, parts[3]!, parts[4]!, field), stale: key !== current };
      } catch (error) {
        throw new CorruptRecordError('A stored value failed authentication (tampered or wrong key).', error);
      }
    },
  };
}
