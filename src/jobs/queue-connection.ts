import type { RedisOptions } from 'ioredis';

/**
 * ioredis options for the job queue's connection. BullMQ's workers block on Redis and must
 * keep waiting through an outage instead of failing their calls (maxRetriesPerRequest null).
 */
export function queueConnectionOptions(): RedisOptions {
  return { maxRetriesPerRequest: null, connectTimeout: 5_000 };
}

/** Finished jobs kept for inspection: bounded, so Redis never fills up with history. */
export const KEPT_COMPLETED_JOBS = 100;
/** Failed jobs are kept a day (at most this many per kind): what /metrics counts as failed. */
export const KEPT_FAILED_JOBS = 1_000;
export const KEPT_FAILED_SECONDS = 86_400;

export const jobRetention = {
  removeOnComplete: { count: KEPT_COMPLETED_JOBS },
  removeOnFail: { age: KEPT_FAILED_SECONDS, count: KEPT_FAILED_JOBS },
} as const;
