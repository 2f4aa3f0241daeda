/**
 * Start-up checks for dangerous configurations. Configurations that cannot work are ConfigErrors
 * (COATCHECK_CONFIG); those that work but weaken sessions are process warnings with a
 * COATCHECK_* code, emitted once per process per code. Warnings are observed in fresh child
 * processes, since "once per process" is process state.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ConfigError, createSessions, ErrorCodes, type SessionsOptions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const index = pathToFileURL(`${root}src/index.ts`).href;
const memory = pathToFileURL(`${root}src/stores/memory.ts`).href;

/** Creates a manager with `options` `times` times in a fresh process; returns the warning codes seen. */
async function warningsFor(
  options: string,
  env: Record<string, string | undefined>,
  times = 2,
): Promise<string[]> {
  const script = `
const codes = [];
process.on('warning', (w) => codes.push(w.code));
const { createSessions } = await import(${JSON.stringify(index)});
const { memoryStore } = await import(${JSON.stringify(memory)});
for (let i = 0; i < ${times}; i++) createSessions({ store: memoryStore({ sweepIntervalMs: 0 }), ...${options} });
setImmediate(() => process.stdout.write(JSON.stringify(codes)));`;
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...env }))
    if (value !== undefined) childEnv[key] = value;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    env: childEnv,
  });
  return JSON.parse(stdout) as string[];
}

describe('start-up warnings', () => {
  it('secure: false outside development warns COATCHECK_INSECURE_COOKIE once per process', async () => {
    const codes = await warningsFor('{ cookie: { secure: false } }', { NODE_ENV: 'production' });
    assert.deepEqual(codes, ['COATCHECK_INSECURE_COOKIE', 'COATCHECK_MEMORY_STORE_IN_PRODUCTION']);
  });

  it('secure: false with NODE_ENV=development is silent', async () => {
    assert.deepEqual(await warningsFor('{ cookie: { secure: false } }', { NODE_ENV: 'development' }), []);
  });

  it('absoluteTimeout: false warns COATCHECK_NO_ABSOLUTE_TIMEOUT once', async () => {
    assert.deepEqual(await warningsFor('{ absoluteTimeout: false }', { NODE_ENV: 'test' }, 3), [
      'COATCHECK_NO_ABSOLUTE_TIMEOUT',
    ]);
  });

  it('the memory store warns COATCHECK_MEMORY_STORE_IN_PRODUCTION only with NODE_ENV=production', async () => {
    assert.deepEqual(await warningsFor('{}', { NODE_ENV: 'production' }), [
      'COATCHECK_MEMORY_STORE_IN_PRODUCTION',
    ]);
    assert.deepEqual(await warningsFor('{}', { NODE_ENV: 'test' }), []);
  });

  it('the safe defaults warn about nothing', async () => {
    assert.deepEqual(await warningsFor('{}', { NODE_ENV: undefined }), []);
  });
});

describe('start-up errors', () => {
  const make = (options: Partial<SessionsOptions>) => () =>
    createSessions({ store: memoryStore(), ...options });
  const configError = (pattern: RegExp) => (e: unknown) =>
    e instanceof ConfigError && e.code === ErrorCodes.CONFIG && pattern.test(e.message);

  it('SameSite=None without Secure is a ConfigError', () => {
    assert.throws(
      make({ cookie: { sameSite: 'none', secure: false } }),
      configError(/sameSite: 'none'.*secure: true/),
    );
  });

  it('Partitioned without Secure is a ConfigError', () => {
    assert.throws(
      make({ cookie: { partitioned: true, secure: false } }),
      configError(/partitioned.*secure: true/),
    );
  });

  it('a __Host- name without Secure is a ConfigError', () => {
    assert.throws(make({ cookie: { name: '__Host-x', secure: false } }), configError(/__Host-/));
  });
});
