import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { AppDeps } from '../app-deps.ts';
import { HttpError } from '../problem.ts';

const WINDOW_MS = 60_000;
const REDIS_NAMESPACE = 'ctrip:rate-limit:';
/** `ctrip_<prefix>_<secret>`: only the part before the secret names the key. */
const BEARER_KEY_PREFIX = /^Bearer\s+(ctrip_[a-z0-9]{1,32})_\S/i;

/**
 * Whose budget a request spends: its API key's non-secret prefix when it sends one, else its
 * address. The key is not verified here (that costs a database lookup, which the limit is
 * there to protect), so a caller inventing prefixes gets a budget per invented prefix, and
 * pays for each with a 401.
 */
export function rateLimitKeyOf(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const prefix = header ? BEARER_KEY_PREFIX.exec(header)?.[1] : undefined;
  return prefix ? `key:${prefix.toLowerCase()}` : `ip:${normalizeIP(request.ip)}`;
}

/**
 * At most RATE_LIMIT_PER_MINUTE requests per key (or address) per minute, counted in Redis when
 * REDIS_URL is set (so every instance shares the budget) or in this process otherwise. Past it,
 * a 429 problem (RATE_LIMITED) with Retry-After. A route opts out with
 * `config: { rateLimit: false }` (health checks and metrics do).
 */
export async function registerRateLimit(
  app: FastifyInstance,
  deps: AppDeps,
  redis?: Redis,
): Promise<void> {
  await app.register(rateLimit, {
    // Not the plugin's per-route hook: it would run after a route's own onRequest hooks, so
    // authentication (a database lookup) would come first and a refused key would never count.
    global: false,
    max: deps.settings.http.rateLimitPerMinute,
    timeWindow: WINDOW_MS,
    keyGenerator: rateLimitKeyOf,
    ...(redis ? { redis, nameSpace: REDIS_NAMESPACE } : {}),
    // A Redis outage must not stop payments: requests pass unlimited and /ready reports it.
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      new HttpError('RATE_LIMITED', `too many requests; retry in ${context.after}`),
  });
  const limit = app.rateLimit();
  // An app-wide hook runs before every route's own hooks.
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.rateLimit === false) return;
    await limit.call(app, request, reply);
  });
}
