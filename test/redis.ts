import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis the tests use (this machine's, and CI's service). */
export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix of its own, so suites running at once never see each other's queues. */
export function uniqueQueuePrefix(): string {
  return `ctrip-test-${randomBytes(6).toString('hex')}`;
}

/** Deletes every key under `prefix` (a test's queues). */
export async function deleteKeysUnder(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
