/** Fastify + @fastify/session + connect-redis (node-redis client), on the bench's Redis. */
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import type { StartVariant } from '../variant.ts';
import { fastifyWithSession } from './shared-fastify-session.ts';

export const start: StartVariant = async (ctx) => {
  const client = createClient({ url: ctx.redisUrl });
  await client.connect();
  return fastifyWithSession(ctx, new RedisStore({ client, prefix: 'bench:fs:' }), async () => {
    await client.quit();
  });
};
