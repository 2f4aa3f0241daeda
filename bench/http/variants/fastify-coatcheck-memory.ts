/** Fastify + coatcheck on the memory store. */
import type { StartVariant } from '../variant.ts';
import { memory } from './shared-coatcheck.ts';
import { fastifyCoatcheck } from './shared-fastify-coatcheck.ts';

export const start: StartVariant = async (ctx) => fastifyCoatcheck(await memory(ctx));
