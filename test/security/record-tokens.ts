/**
 * Preload (`--import`) used by no-token-in-logs.test.ts: records every 32-byte value drawn from
 * `crypto.randomBytes` (every session token and CSRF token coatcheck mints) as base64url in the
 * file named by COATCHECK_TOKEN_RECORD, so the test knows every secret the run issued.
 */
import crypto from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const file = process.env.COATCHECK_TOKEN_RECORD;
if (file) {
  const original = crypto.randomBytes;
  const recording = ((size: number, callback?: (error: Error | null, buffer: Buffer) => void) => {
    if (callback !== undefined) return original(size, callback);
    const bytes = original(size);
    if (size === 32) appendFileSync(file, `${bytes.toString('base64url')}\n`);
    return bytes;
  }) as typeof crypto.randomBytes;
  crypto.randomBytes = recording;
  // Make `import { randomBytes } from 'node:crypto'` see the recording function too.
  syncBuiltinESMExports();
}
