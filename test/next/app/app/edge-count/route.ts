import { createSessions } from 'coatcheck';
import { withRouteSession } from 'coatcheck/next';
import { memoryStore } from 'coatcheck/stores/memory';

// The edge runtime: Web APIs only, its own sandbox (so its own store and cookie name).
export const runtime = 'edge';

// The memory store, in production: core warns about that through process.emitWarning, which
// Next's edge runtime defines as a function that throws; the warning falls back to console.warn
// (src/core/warn.ts), so this route is also the regression test that createSessions survives it.
const store = memoryStore();

const sessions = createSessions<{ count: number }>({
  store,
  cookie: { name: 'edge-sid' },
});

export const GET = withRouteSession(sessions, async (_request, session) => {
  const count = ((await session.get('count')) ?? 0) + 1;
  await session.set('count', count);
  return new Response(String(count), { headers: { 'content-type': 'text/plain' } });
});
