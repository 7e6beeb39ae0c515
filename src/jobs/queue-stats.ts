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
      const entries = await Promise.all(
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
      );
      return Object.fromEntries(entries) as QueueStats;
    },
    async close() {
      await Promise.all(queues.map(([, queue]) => queue.close()));
    },
  };
}
