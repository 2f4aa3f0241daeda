import { expressAdapter } from './express.ts';
import { express4Adapter } from './express4.ts';
import { fastifyAdapter } from './fastify.ts';
import { honoAdapter } from './hono.ts';
import { koaAdapter } from './koa.ts';
import { koa2Adapter } from './koa2.ts';
import { nextAdapter } from './next.ts';
import { nodeAdapter } from './node.ts';
import type { AdapterUnderTest } from './types.ts';
import { webAdapter } from './web.ts';

/** Every adapter the behaviour matrix runs against. */
export const adaptersUnderTest: readonly AdapterUnderTest[] = [
  nodeAdapter,
  webAdapter,
  expressAdapter,
  express4Adapter,
  fastifyAdapter,
  honoAdapter,
  koaAdapter,
  koa2Adapter,
  nextAdapter,
];
