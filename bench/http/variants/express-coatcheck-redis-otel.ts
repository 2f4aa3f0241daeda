/** Express + coatcheck on the redis store, with coatcheck/otel and the OpenTelemetry SDK on (shared-otel.ts). */
import type { StartVariant } from '../variant.ts';
import { redis } from './shared-coatcheck.ts';
import { expressCoatcheck } from './shared-express-coatcheck.ts';

export const start: StartVariant = async (ctx) => {
  const { telemetryOn } = await import('./shared-otel.ts');
  return expressCoatcheck(await redis(ctx), telemetryOn);
};
