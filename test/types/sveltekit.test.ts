/** Type tests for coatcheck/sveltekit: `handleSession` is a `Handle`; SessionLocals types `locals.session`. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Handle } from '@sveltejs/kit';
import { expectTypeOf } from 'expect-type';
import { handleSession, type SessionLocals } from '../../src/adapters/sveltekit.ts';
import type { Session } from '../../src/core/session.ts';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';

type Wizard = { step: number };
const sessions = createSessions<Wizard>({ store: memoryStore(), cookie: { secure: false } });
const handle = handleSession(sessions, {
  ip: (event) => event.request.headers.get('x-real-ip') ?? undefined,
});
expectTypeOf(handle).toEqualTypeOf<Handle>();

// What an app's `interface Locals extends SessionLocals<Wizard> {}` gives `event.locals`.
expectTypeOf<SessionLocals<Wizard>['session']>().toEqualTypeOf<Session<Wizard>>();
export async function load({ locals }: { locals: SessionLocals<Wizard> }) {
  // @ts-expect-error step is a number
  await locals.session.set('step', 'two');
}

it('sveltekit: handleSession returns a hook function', () => {
  assert.equal(typeof handle, 'function');
  assert.equal(handle.name, 'coatcheckSvelteKit');
});
