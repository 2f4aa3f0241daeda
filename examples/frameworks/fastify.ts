/**
 * A visit counter on Fastify 5 with `coatcheck/fastify`: GET / counts, POST /logout ends the
 * session. Shown in docs/frameworks/fastify.md; run with `npx tsx examples/frameworks/fastify.ts`.
 */
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { coatcheck, getSession } from '../../src/adapters/fastify.ts';
import { createSessions } from '../../src/index.ts';
import { memoryStore } from '../../src/stores/memory.ts';

export async function createApp() {
  const sessions = createSessions<{ visits: number }>({
    store: memoryStore(), // any coatcheck store
    cookie: { secure: false }, // plain http on localhost only; the default is a __Host- Secure cookie
  });
  const app = Fastify();
  await app.register(coatcheck, { sessions });
  app.get('/', async (request) => {
    const current = getSession(request, sessions); // typed; also request.session
    const visits = ((await current.get('visits')) ?? 0) + 1;
    await current.set('visits', visits);
    return `visits: ${visits}`;
  });
  app.post('/logout', async (request) => {
    await getSession(request, sessions).destroy(); // deletes the record and clears the cookie
    return 'logged out';
  });
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await createApp();
  await app.listen({ port: Number(process.env.PORT ?? 3000) });
  console.log(`listening on http://localhost:${process.env.PORT ?? 3000}`);
}
