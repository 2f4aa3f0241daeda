/**
 * `GET /metrics` (Prometheus text format, for a Prometheus scrape) and `GET /health` (the
 * readiness probe: `sessions.health()` as JSON, 503 when the store is down). Neither touches the
 * visitor's session, so neither costs a store call for it nor sets a cookie.
 */
import type { Ctx } from '../context.ts';

/** GET /metrics */
export async function showMetrics(ctx: Ctx): Promise<void> {
  ctx.app.telemetry.serveMetrics(ctx.req, ctx.res);
}

/** GET /health */
export async function showHealth(ctx: Ctx): Promise<void> {
  const report = await ctx.app.sessions.health({ timeout: '1s' });
  ctx.res.statusCode = report.status === 'down' ? 503 : 200;
  ctx.res.setHeader('content-type', 'application/json; charset=utf-8');
  ctx.res.setHeader('cache-control', 'no-store');
  ctx.res.end(`${JSON.stringify(report, null, 2)}\n`);
}
