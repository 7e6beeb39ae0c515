import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { AppDeps } from './app-deps.ts';

/** A command waits at most this long, so a Redis outage slows no request by more. */
const COMMAND_TIMEOUT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 2_000;

/**
 * The app's Redis connection when REDIS_URL is set (undefined otherwise), closed with the app.
 * Connection failures are logged once per outage, never with the URL (it may carry a password).
 */
export function connectAppRedis(app: FastifyInstance, deps: AppDeps): Redis | undefined {
  const url = deps.settings.redisUrl;
  if (!url) return undefined;
  const redis = new Redis(url.reveal(), {
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // ioredis's default (20 retries) would hold a request for seconds during an outage.
    maxRetriesPerRequest: 1,
  });
  let down = false;
  redis.on('error', (error: Error & { code?: string }) => {
    if (down) return;
    down = true;
    deps.logger.warn({ error: error.code ?? error.name }, 'redis unreachable; retrying');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    deps.logger.info({}, 'redis reachable again');
  });
  app.addHook('onClose', async () => {
    redis.disconnect();
  });
  return redis;
}
