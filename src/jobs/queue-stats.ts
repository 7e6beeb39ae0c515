import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_KINDS, type JobKind } from './job-kinds.ts';

export interface KindStats {
  readonly waiting: number;
  readonly delayed: number;
  readonly active: number;
  /** Failed jobs kept: those of the last day, at most 1,000 (see queue-connection.ts). */
  readonly failed: number;
}

export type QueueStats = Readonly<Record<JobKind, KindStats>>;

/** A read gives up after this long: a scrape or probe must not hang on a Redis outage. */
const READ_TIMEOUT_MS = 2_000;

export interface QueueMonitor {
  /** Each kind's depth and failures; throws when Redis does not answer. */
  read(): Promise<QueueStats>;
  close(): Promise<void>;
}

/**
 * Reads the job queues' counts through `redis` (the caller's connection, which it keeps and
 * closes): for /metrics and /ready in API processes, which run no job themselves.
 */
export function createQueueMonitor(redis: Redis, prefix: string): QueueMonitor {
  const queues = JOB_KINDS.map(
    (kind) => [kind, new Queue(kind, { connection: redis, prefix })] as const,
  );
  for (const [, queue] of queues) queue.on('error', () => {});
  return {
    async read() {
      // BullMQ waits for a connection that is down instead of failing: bound the wait.
      const reading = untilReady(redis).then(() =>
        Promise.all(
          queues.map(async ([kind, queue]) => {
            const counts = await queue.getJobCounts(
              'waiting',
              'prioritized',
              'delayed',
              'active',
              'failed',
            );
            const stats: KindStats = {
              waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
              delayed: counts.delayed ?? 0,
              active: counts.active ?? 0,
              failed: counts.failed ?? 0,
            };
            return [kind, stats] as const;
          }),
        ),
      );
      const entries = await withTimeout(reading, READ_TIMEOUT_MS);
      return Object.fromEntries(entries) as QueueStats;
    },
    async close() {
      await Promise.all(queues.map(([, queue]) => queue.close()));
    },
  };
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `redis` is connected; rejects after READ_TIMEOUT_MS, leaving no listener. */
function untilReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`redis is ${redis.status}`));
    }, READ_TIMEOUT_MS);
    redis.once('ready', onReady);
  });
}
