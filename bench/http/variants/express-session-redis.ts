/** Express + express-session + connect-redis (node-redis client), on the bench's Redis. */
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import type { StartVariant } from '../variant.ts';
import { expressWithSession } from './shared-express-session.ts';

export const start: StartVariant = async (ctx) => {
  const client = createClient({ url: ctx.redisUrl });
  await client.connect();
  return expressWithSession(ctx, new RedisStore({ client, prefix: 'bench:es:' }), async () => {
    await client.quit();
  });
};
