import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { createQueueMonitor } from '../../jobs/queue-stats.ts';
import type { AppDeps } from '../app-deps.ts';
import { registerGatewayMetrics } from '../gateway-metrics.ts';
import { checkReadiness } from '../readiness.ts';

export interface OpsRouteOptions {
  /** The app's registry, already counting requests (see registerRequestMetrics). */
  readonly metrics: Registry;
  /**
   * The app's Redis connection, when REDIS_URL is set: /ready pings it, and /ready and /metrics
   * read the job queues' depths and failures through it.
   */
  readonly redis?: Redis;
}

/**
 * GET /health (the process runs), GET /ready (it can serve: 200, or 503 naming what fails) and
 * GET /metrics (Prometheus text). None asks for an API key and none is rate limited, so that
 * probes and scrapers always get through. /ready and /metrics tell how the gateway stands
 * (chain heads, payment counts, RPC hosts): operators should expose them to their probes and
 * Prometheus only, never publicly (block them at the reverse proxy).
 */
export function registerOpsRoutes(
  app: FastifyInstance,
  deps: AppDeps,
  options: OpsRouteOptions,
): void {
  const queue = options.redis
    ? createQueueMonitor(options.redis, deps.settings.jobs.queuePrefix)
    : undefined;
  if (queue) app.addHook('onClose', () => queue.close());
  registerGatewayMetrics(options.metrics, deps, { queue });
  // Hidden from the merchant API's OpenAPI document: these are for the operator's tooling.
  const route = { schema: { hide: true }, config: { rateLimit: false } } as const;

  app.get('/health', route, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });

  app.get('/ready', route, async (_request, reply) => {
    const report = await checkReadiness(deps, { redis: options.redis, queue });
    return reply
      .code(report.status === 'ok' ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(report);
  });

  app.get('/metrics', route, async (_request, reply) => {
    const text = await options.metrics.metrics();
    return reply.type(options.metrics.contentType).header('cache-control', 'no-store').send(text);
  });
}
