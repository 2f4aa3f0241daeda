import { createReadStream } from 'node:fs';
import Fastify from 'fastify';
import { coatcheck, getSession } from '../../../src/adapters/fastify.ts';
import { appScript } from '../app-script.ts';
import { SENT_FILE } from './express-app.ts';
import type { AdapterUnderTest } from './types.ts';

export const fastifyAdapter: AdapterUnderTest = {
  name: 'fastify',
  start: async (sessions) => {
    const app = Fastify();
    await app.register(coatcheck, { sessions });
    app.get('/redirect', async (request, reply) => {
      await getSession(request, sessions).set('note', 'redirected');
      return reply.redirect('/read');
    });
    app.get('/stream', async (request, reply) => {
      await getSession(request, sessions).set('note', 'streamed');
      return reply.type('text/plain').send(createReadStream(SENT_FILE));
    });
    app.get('/note', async (request, reply) => {
      const note = await request.session.get('note');
      return reply.type('text/plain').send(String(note ?? '(none)'));
    });
    app.all('/*', async (request, reply) => {
      const url = new URL(request.url, 'http://localhost');
      const result = await appScript(
        { method: request.method, path: url.pathname, query: url.searchParams },
        getSession(request, sessions),
      );
      return reply.code(result.status).type('text/plain').send(result.body);
    });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: address, close: () => app.close() };
  },
};
