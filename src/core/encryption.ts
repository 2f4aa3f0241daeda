/**
 * Encryption at rest: AES-256-GCM over each encoded value, so a store dump reveals neither the
 * data nor lets anyone alter it unnoticed. Keys rotate as a list: the first encrypts, every key
 * decrypts, and a value sealed under an older key is reported stale so core re-seals it on the
 * next write. The field name is authenticated data, so a value cannot be moved to another field.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigError, CorruptRecordError } from './errors.ts';

/** Seals and opens encoded values. Core calls it around every value it stores or loads. */
export interface ValueCipher {
  seal(plaintext: string, field: string): string;
  /** @throws CorruptRecordError when the value was tampered with or no key opens it. */
  open(sealed: string, field: string): { readonly plaintext: string; readonly stale: boolean };
}

interface Key {
  readonly id: string;
  readonly bytes: Buffer;
}

const VERSION = 'e1';

/** Parses `keys` (32 raw bytes, or 32 bytes in base64/base64url text) into a cipher. */
export function createValueCipher(keys: readonly (string | Uint8Array)[]): ValueCipher {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ConfigError('Option `encryption.keys` must be a non-empty array: [current, ...previous].');
  }
  const parsed: Key[] = keys.map((key, index) => {
    const bytes = typeof key === 'string' ? Buffer.from(key, 'base64') : Buffer.from(key);
    if (bytes.length !== 32) {
      throw new ConfigError(
        `Option \`encryption.keys[${index}]\` must be 32 bytes (raw, or base64 text), got ${bytes.length}; make one with \`openssl rand -base64 32\`.`,
      );
    }
    // The key id names the key without revealing it, so old keys can be found on decryption.
    return { id: createHash('sha256').update(bytes).digest('base64url').slice(0, 8), bytes };
  });
  const current = parsed[0]!;
  const byId = new Map(parsed.map((key) => [key.id, key]));

  return {
    seal(plaintext, field) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.bytes, iv);
      cipher.setAAD(Buffer.from(field, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${VERSION}.${current.id}.${iv.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
    },
    open(sealed, field) {
      const parts = sealed.split('.');
      if (parts.length !== 5 || parts[0] !== VERSION)
        throw new CorruptRecordError('A stored value is not sealed.');
      const key = byId.get(parts[1]!);
      if (key === undefined)
        throw new CorruptRecordError('A stored value is sealed with a key no longer configured.');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(parts[2]!, 'base64url'));
        decipher.setAAD(Buffer.from(field, 'utf8'));
        decipher.setAuthTag(Buffer.from(parts[4]!, 'base64url'));
        const plain = Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64url')), decipher.final()]);
        return { plaintext: plain.toString('utf8'), stale: key !== current };
      } catch (error) {
        throw new CorruptRecordError('A stored value failed authentication (tampered or wrong key).', error);
      }
    },
  };
}
