import { createSessions } from 'coatcheck';
import { withRouteSession } from 'coatcheck/next';
import { memoryStore } from 'coatcheck/stores/memory';

// The edge runtime: Web APIs only, its own sandbox (so its own store and cookie name).
export const runtime = 'edge';

// Renamed: with the name 'memory' core warns about production use. Core's warn() falls back to
// console.warn when process.emitWarning throws (src/core/warn.ts), but Next's build still fails
// this route on that call ("A Node.js API is used (process.emitWarning)"), so the sample keeps
// core from warning at all here; see docs/frameworks/next.md.
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
