/** Fastify + coatcheck on the redis store, with coatcheck/otel and the OpenTelemetry SDK on (shared-otel.ts). */
import type { StartVariant } from '../variant.ts';
import { redis } from './shared-coatcheck.ts';
import { fastifyCoatcheck } from './shared-fastify-coatcheck.ts';

export const start: StartVariant = async (ctx) => {
  const { telemetryOn } = await import('./shared-otel.ts');
  return fastifyCoatcheck(await redis(ctx), telemetryOn);
};
