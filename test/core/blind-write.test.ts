/**
 * Blind writes: `session.set(key, value, { blind: true })` on an unread session costs the one
 * `updateData` call, lands only on a live session, and falls back to an ordinary set where it
 * cannot apply (store without `updateData`, a session already read, no ticket).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../src/core/store.ts';
import { createSessions, ErrorCodes, type Sessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { type CountedStore, countingStore } from '../support/counting-store.ts';

type Data = { cart?: string; count?: number };

function setup(inner: Store = memoryStore()): { sessions: Sessions<Data>; store: CountedStore } {
  const store = countingStore(inner);
  return { store, sessions: createSessions<Data>({ store, cookie: { secure: false, name: 'sid' } }) };
}

async function loggedIn(sessions: Sessions<Data>): Promise<string> {
  const session = sessions.load({});
  await session.set('count', 1);
  const result = await sessions.commit(session, { status: 200 });
  return result.setCookie!.split(';')[0]!;
}

async function read(sessions: Sessions<Data>, cookie: string) {
  const session = sessions.load({ cookie });
  const values = await session.entries();
  await sessions.commit(session, { status: 200 });
  return values;
}

describe('blind writes', () => {
  it('blind set on an unread session: one updateData call, no read, no cookie', async () => {
    const { sessions, store } = setup();
    const cookie = await loggedIn(sessions);
    store.reset();
    const session = sessions.load({ cookie });
    await session.set('cart', 'sku-1', { blind: true });
    const result = await sessions.commit(session, { status: 200 });
    assert.deepEqual(Object.fromEntries(store.calls), { updateData: 1 });
    assert.equal(result.setCookie, undefined);
    assert.deepEqual(await read(sessions, cookie), { count: 1, cart: 'sku-1' });
  });

  it('blind set on a logged-out session fails the commit and stores nothing', async () => {
    const { sessions } = setup();
    const cookie = await loggedIn(sessions);
    const logout = sessions.load({ cookie });
    await logout.destroy();
    await sessions.commit(logout, { status: 200 });
    const late = sessions.load({ cookie });
    await late.set('cart', 'sku-1', { blind: true });
    await assert.rejects(sessions.commit(late, { status: 200 }), { code: ErrorCodes.SESSION_GONE });
    assert.deepEqual(await read(sessions, cookie), {});
  });

  it('a 5xx response saves no blind write', async () => {
    const { sessions, store } = setup();
    const cookie = await loggedIn(sessions);
    store.reset();
    const session = sessions.load({ cookie });
    await session.set('cart', 'sku-1', { blind: true });
    await sessions.commit(session, { status: 500 });
    assert.equal(store.total(), 0);
  });

  it('a read after a blind set in the same request sees the blind value and writes it once', async () => {
    const { sessions, store } = setup();
    const cookie = await loggedIn(sessions);
    store.reset();
    const session = sessions.load({ cookie });
    await session.set('cart', 'sku-2', { blind: true });
    assert.equal(await session.get('cart'), 'sku-2');
    assert.equal(await session.get('count'), 1);
    await sessions.commit(session, { status: 200 });
    assert.deepEqual(Object.fromEntries(store.calls), { get: 1, update: 1 });
    assert.deepEqual(await read(sessions, cookie), { count: 1, cart: 'sku-2' });
  });

  it('without updateData on the store, a blind set is an ordinary set (read first)', async () => {
    const inner = memoryStore();
    const { updateData: _omitted, ...withoutBlind } = inner;
    const { sessions, store } = setup(withoutBlind as Store);
    const cookie = await loggedIn(sessions);
    store.reset();
    const session = sessions.load({ cookie });
    await session.set('cart', 'sku-3', { blind: true });
    await sessions.commit(session, { status: 200 });
    assert.deepEqual(Object.fromEntries(store.calls), { get: 1, update: 1 });
  });

  it('a blind set without a ticket creates a session as set does', async () => {
    const { sessions } = setup();
    const session = sessions.load({});
    await session.set('cart', 'sku-4', { blind: true });
    const result = await sessions.commit(session, { status: 200 });
    assert.ok(result.setCookie);
  });
});
