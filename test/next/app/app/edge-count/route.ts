import { createSessions } from 'coatcheck';
import { withRouteSession } from 'coatcheck/next';
import { memoryStore } from 'coatcheck/stores/memory';

// The edge runtime: Web APIs only, its own sandbox (so its own store and cookie name).
export const runtime = 'edge';

// The memory store in production makes core warn: on the edge runtime the warning goes to
// console.warn (#platform/env's web variant), and the bundle holds no process.emitWarning, which
// next build would refuse in an edge route.
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
