/**
 * No log line and no error message ever carries a ticket (ASVS 4.0.3 3.1.1, CWE-532). Runs the
 * whole security suite and the HTTP behaviour matrix in a child test run with a preload that
 * records every token minted, collects everything the run wrote (stdout, stderr, process
 * warnings, and the suite's log of every event and error message, stacks and causes included),
 * and greps it for every token.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('no token issued during the security suite and the HTTP matrix appears in any log line or error message', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'coatcheck-leak-'));
  const tokensFile = join(dir, 'tokens.txt');
  const logFile = join(dir, 'log.txt');
  const files = (await readdir(join(root, 'test/security')))
    .filter((name) => name.endsWith('.test.ts') && name !== 'no-token-in-logs.test.ts')
    .map((name) => `test/security/${name}`);
  files.push('test/http/behaviour-matrix.test.ts');
  // A nested test run must not think it reports to this one.
  const { NODE_TEST_CONTEXT: _ignored, ...env } = process.env;
  const output = await new Promise<string>((resolve) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        './test/security/record-tokens.ts',
        '--test',
        '--test-reporter=tap',
        ...files,
      ],
      {
        cwd: root,
        env: { ...env, COATCHECK_TOKEN_RECORD: tokensFile, COATCHECK_SECURITY_LOG: logFile },
        maxBuffer: 256 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        resolve(`${stdout}\n${stderr}\n${error === null ? '' : String(error)}`);
      },
    );
  });
  assert.match(output, /# fail 0/, 'the child run passed');
  const tokens = [...new Set((await readFile(tokensFile, 'utf8')).split('\n').filter(Boolean))];
  const log = await readFile(logFile, 'utf8');
  // The collection must be real: many tokens minted, events and error messages logged.
  assert.ok(tokens.length > 200, `only ${tokens.length} tokens recorded`);
  assert.match(log, /event \{"type":"login"/);
  assert.match(log, /error CorruptRecordError/);
  assert.match(log, /error StoreUnavailableError/);
  assert.match(output, /COATCHECK_INSECURE_COOKIE/, 'process warnings are part of the haystack');
  const haystack = `${output}\n${log}`;
  const leaked = tokens.filter((token) => haystack.includes(token));
  assert.deepEqual(leaked, [], `${leaked.length} of ${tokens.length} tokens appear in logs`);
  await rm(dir, { recursive: true, force: true });
});
