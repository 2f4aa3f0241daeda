/**
 * Child process: `node --expose-gc --import tsx bench/memory/session-memory.ts <library> <n>`
 * creates `n` live sessions, each holding `count = 1`, the way the library's own middleware
 * would, and prints one JSON line: heap bytes per session (heapUsed after minus before, each
 * after two full collections). `coatcheck`: a session loaded without a ticket, set, committed
 * into the memory store. `express-session`: what express-session hands its MemoryStore for a new
 * session, a 24-byte uid-safe id and the data with its cookie (the store keeps it as JSON).
 */
import { randomBytes } from 'node:crypto';

const [library = 'coatcheck', count = '100000'] = process.argv.slice(2);
const n = Number(count);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

async function coatcheck(): Promise<() => Promise<unknown>> {
  const { createSessions } = await import('coatcheck');
  const { memoryStore } = await import('coatcheck/stores/memory');
  const store = memoryStore({ maxEntries: n + 1, sweepIntervalMs: 0 });
  const sessions = createSessions<{ count?: number }>({ store, cookie: { name: 'sid', secure: false } });
  return async () => {
    for (let i = 0; i < n; i++) {
      const session = sessions.load({});
      await session.set('count', 1);
      await sessions.commit(session, { status: 200 });
    }
    if ((await store.count?.()) !== n) throw new Error('coatcheck: not every session was stored');
    return store;
  };
}

async function expressSession(): Promise<() => Promise<unknown>> {
  const { Cookie, MemoryStore } = (await import('express-session')).default;
  const store = new MemoryStore();
  return async () => {
    for (let i = 0; i < n; i++) {
      // As express-session's `cookie` option would make it (its types declare no constructor options).
      const cookie = Object.assign(new Cookie(), { secure: false, sameSite: 'lax', maxAge: 86_400_000 });
      const data = { cookie, count: 1 } as unknown as Parameters<typeof store.set>[1];
      await new Promise<void>((resolve) =>
        store.set(randomBytes(24).toString('base64url'), data, () => resolve()),
      );
    }
    const length = await new Promise<number | undefined>((resolve) => store.length((_e, l) => resolve(l)));
    if (length !== n) throw new Error('express-session: not every session was stored');
    return store;
  };
}

/** Heap in use after full collections (the finalizers of the first one run before the next). */
async function settled(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

const fill = await (library === 'coatcheck' ? coatcheck() : expressSession());
const before = await settled();
// Kept reachable until after the second measurement: V8 may collect a local it sees no later use of.
const kept = { store: await fill() };
const after = await settled();
const bytesPerSession = (after - before) / n;
process.stdout.write(
  `${JSON.stringify({ library, sessions: n, bytesPerSession, kept: kept.store !== undefined })}\n`,
);
process.exit(0);
