/**
 * What each runtime shim provides. Core imports `#platform/crypto` and `#platform/env`, and the
 * package.json `imports` field picks the variant by condition when the module graph is resolved
 * (never by probing per request):
 *
 * | specifier | `deno` | `node` (Node, Bun) | default (workerd, edge runtime, browsers) |
 * |---|---|---|---|
 * | `#platform/crypto` | node (Deno's `node:crypto`) | `crypto-node.ts` | `crypto-web.ts` |
 * | `#platform/env` | `env-deno.ts` | `env-node.ts` | `env-web.ts` |
 *
 * The map is written twice, with the same conditions: in the root package.json, for dist/ (what
 * is published), and in src/package.json, which is the nearest package.json of every source file
 * and so what tsx, tsc and Bun resolve from src/ (targets `./platform/x.js` resolve to the `.ts`).
 * test/platform/import-map.test.ts keeps the two equal. Types resolve to the `node` variants; the
 * checks in contract-checks.ts make every variant implement the same contract.
 */

/** AES-256-GCM under one key. Parts travel as unpadded base64url text. */
export interface Aes256Gcm {
  /** Encrypts the UTF-8 bytes of `plaintext` with `aad` authenticated, under a fresh random 96-bit IV. */
  seal(plaintext: string, aad: string): readonly [iv: string, body: string, tag: string];
  /**
   * Decrypts what `seal` made.
   * @throws Error when a part is not base64url, the IV is not 12 bytes, the tag is not 16 bytes
   * (a truncated tag would make forgery cheaper), or authentication fails.
   */
  open(iv: string, body: string, tag: string, aad: string): string;
}

/** `#platform/crypto`: synchronous, because core hashes, signs and seals on the request path. */
export interface PlatformCrypto {
  /** `byteLength` bytes from the platform CSPRNG, in unpadded base64url. */
  randomBase64Url(byteLength: number): string;
  /** SHA-256 of `data` (a string is hashed as its UTF-8 bytes), in unpadded base64url. */
  sha256Base64Url(data: string | Uint8Array): string;
  /**
   * An HMAC-SHA-256 signer under `key` (copied: later changes to it are not seen): each call
   * signs the UTF-8 bytes of `text` and returns the MAC in unpadded base64url.
   */
  hmacSha256Base64Url(key: Uint8Array): (text: string) => string;
  /** An AES-256-GCM cipher under `key` (32 bytes, copied). */
  aes256Gcm(key: Uint8Array): Aes256Gcm;
}

/**
 * `#platform/env`: what core reads of the environment, and where its warnings go. The warning is
 * here, not probed in core, so that an edge bundle holds no reference to `process.emitWarning` at
 * all: Next.js fails an edge route's build on one, reached or not.
 */
export interface PlatformEnv {
  /**
   * `NODE_ENV` as the runtime can tell it without asking for a permission (Deno without
   * `--allow-env` answers `undefined`, never a prompt or an error); `undefined` when unknown.
   */
  nodeEnv(): string | undefined;
  /**
   * Reports `message` as a CoatcheckWarning with `code`: `process.emitWarning` on Node, Bun and
   * Deno (it needs no permission), `console.warn` elsewhere. Never throws.
   */
  emitWarning(message: string, code: string): void;
}
