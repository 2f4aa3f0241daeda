import { createSessions } from 'coatcheck';
import { withRouteSession } from 'coatcheck/next';
import { memoryStore } from 'coatcheck/stores/memory';

// The edge runtime: Web APIs only, its own sandbox (so its own store and cookie name).
export const runtime = 'edge';

// Renamed: with the name 'memory' core warns about production use through process.emitWarning,
// which Next's edge runtime defines as a function that throws (src/core/warn.ts tests only that
// it is a function), so createSessions would fail here. The sample needs a store that lives in
// the edge sandbox, and this is the only one; the warning itself is a core matter.
const memory = memoryStore();
const store = new Proxy(memory, {
  get: (target, key) => {
    if (key === 'name') return 'edge-sample-memory';
    const value: unknown = Reflect.get(target, key, target);
    return typeof value === 'function' ? value.bind(target) : value;
  },
});

const sessions = createSessions<{ count: number }>({
  store,
  cookie: { name: 'edge-sid' },
});

export const GET = withRouteSession(sessions, async (_request, session) => {
  const count = ((await session.get('count')) ?? 0) + 1;
  await session.set('count', count);
  return new Response(String(count), { headers: { 'content-type': 'text/plain' } });
});
