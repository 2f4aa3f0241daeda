/**
 * Type tests for createSessions' cookie option: tsc checks this file (an unused `@ts-expect-error`
 * fails the type-check), and the runtime test proves each refused form is also a ConfigError.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import { createSessions } from '../../src/core/sessions.ts';
import { memoryStore } from '../../src/stores/memory.ts';

const store = memoryStore();
// Valid forms compile.
createSessions({ store, cookie: { name: '__Host-sid', secure: true, path: '/' } });
createSessions({ store, cookie: { name: '__Host-sid' } });
createSessions({
  store,
  cookie: { name: '__Secure-sid', secure: true, domain: 'example.com', path: '/app' },
});
createSessions({ store, cookie: { name: 'sid', secure: false, domain: 'example.com' } });

test('a prefixed cookie name with the wrong attributes does not compile and is a ConfigError', () => {
  const refused: Array<() => unknown> = [
    // @ts-expect-error __Host- requires secure
    () => createSessions({ store, cookie: { name: '__Host-sid', secure: false } }),
    // @ts-expect-error __Host- requires path '/'
    () => createSessions({ store, cookie: { name: '__Host-sid', secure: true, path: '/app' } }),
    // @ts-expect-error __Host- forbids a domain
    () => createSessions({ store, cookie: { name: '__Host-sid', secure: true, domain: 'example.com' } }),
    // @ts-expect-error __Secure- requires secure
    () => createSessions({ store, cookie: { name: '__Secure-sid', secure: false } }),
  ];
  for (const create of refused) assert.throws(create, ConfigError);
});
