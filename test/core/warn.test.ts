/**
 * Warnings never crash the app: where `process.emitWarning` throws (Next.js's edge runtime defines
 * one that does), the warning goes to the console instead.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { warn } from '../../src/core/warn.ts';

test('a throwing process.emitWarning falls back to console.warn, and a working one is used', (t) => {
  const printed: string[] = [];
  t.mock.method(console, 'warn', (line: string) => printed.push(line));
  const emitted: string[] = [];
  const emit = t.mock.method(process, 'emitWarning', (message: string, options: { code: string }) => {
    emitted.push(`${options.code}: ${message}`);
  });
  warn('first', 'COATCHECK_TEST');
  assert.deepEqual(emitted, ['COATCHECK_TEST: first']);
  assert.deepEqual(printed, []);

  emit.mock.mockImplementation(() => {
    throw new Error(
      'A Node.js API is used (process.emitWarning) which is not supported in the Edge Runtime.',
    );
  });
  assert.doesNotThrow(() => warn('second', 'COATCHECK_TEST'));
  assert.deepEqual(printed, ['CoatcheckWarning [COATCHECK_TEST]: second']);
});

test('a process.emitWarning that throws when merely read (Next.js edge) falls back to console.warn', (t) => {
  const printed: string[] = [];
  t.mock.method(console, 'warn', (line: string) => printed.push(line));
  const edgeProcess = new Proxy(
    {},
    {
      get(_target, name) {
        throw new Error(
          `A Node.js API is used (process.${String(name)}) which is not supported in the Edge Runtime.`,
        );
      },
    },
  );
  const real = Object.getOwnPropertyDescriptor(globalThis, 'process');
  Object.defineProperty(globalThis, 'process', { value: edgeProcess, configurable: true, writable: true });
  try {
    assert.doesNotThrow(() => warn('third', 'COATCHECK_TEST'));
  } finally {
    if (real !== undefined) Object.defineProperty(globalThis, 'process', real);
  }
  assert.deepEqual(printed, ['CoatcheckWarning [COATCHECK_TEST]: third']);
});
