import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';

/** The route label of a request that matched no route: raw URLs would be unbounded labels. */
export const UNMATCHED_ROUTE = 'unmatched';

const LABELS = ['method', 'route', 'status'] as const;
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A metrics registry of the app's own (so apps built side by side in one process, as in tests,
 * count apart) with http_requests_total and http_request_duration_seconds by method, route
 * pattern (`/v1/payments/:id`, never the raw URL) and status. Register before the routes.
 */
export function registerRequestMetrics(app: FastifyInstance): Registry {
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: LABELS,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its response, in seconds',
    labelNames: LABELS,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
  return registry;
}
