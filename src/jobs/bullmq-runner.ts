import { type Job, Queue, WaitingError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { CtripError, messageOf } from '../errors.ts';
import type {
  JobDefinition,
  JobRunner,
  RunnerOptions,
  ScheduleOptions,
  StopResult,
} from './job-runner.ts';
import { jobRetention, queueConnectionOptions } from './queue-connection.ts';
import { settledWithin } from './sleep.ts';

export interface BullmqRunnerOptions extends RunnerOptions {
  readonly redisUrl: string;
  /** The Redis key prefix of every queue (settings.jobs.queuePrefix). */
  readonly prefix: string;
  /**
   * How long a job's lock lasts without renewal: a worker killed mid-job has its job taken
   * over by another this long after it died. Shorter only in tests.
   */
  readonly lockDurationMs?: number;
  /** How often a worker looks for jobs whose worker died. Shorter only in tests. */
  readonly stalledIntervalMs?: number;
  /**
   * How often this process writes its schedules again (1 min): a Redis that lost its data (a
   * restart without persistence) gets them back without a restart of the workers.
   */
  readonly scheduleRefreshMs?: number;
}

interface InHand {
  readonly handBack: () => void;
}

/**
 * The distributed driver (REDIS_URL): one BullMQ queue per job kind under `prefix`, and, in
 * this process, one BullMQ worker for each kind it defines, so a process that runs only some
 * kinds (`ctrip sweep`) never takes a job it cannot run. Schedules are BullMQ job schedulers,
 * shared by every process (the same key upserts the same scheduler); enqueued jobs are
 * deduplicated by key while they wait or run. A job whose worker dies is put back by BullMQ's
 * stalled-job check once its lock lapses; a job still running at the shutdown timeout is put
 * back in the queue at once.
 */
export function createBullmqRunner(options: BullmqRunnerOptions): JobRunner {
  const { logger, prefix } = options;
  // One connection for the queues and the workers' commands; each worker adds its own
  // blocking connection. BullMQ needs maxRetriesPerRequest null to keep waiting through an
  // outage instead of failing its blocking calls.
  const connection = new Redis(options.redisUrl, queueConnectionOptions());
  reportOutages(connection, logger);
  const definitions = new Map<string, JobDefinition<unknown>>();
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];
  const inHand = new Set<InHand>();
  const stopping = new AbortController();
  const schedules = new Map<string, { name: string; schedule: ScheduleOptions<unknown> }>();
  let refreshTimer: NodeJS.Timeout | undefined;
  let stopped: Promise<StopResult> | undefined;

  async function upsertSchedule(name: string, schedule: ScheduleOptions<unknown>): Promise<void> {
    await queueOf(name).upsertJobScheduler(
      schedule.key ?? name,
      { every: schedule.everyMs },
      { name, data: schedule.data, opts: jobRetention },
    );
  }

  function queueOf(name: string): Queue {
    if (!definitions.has(name)) throw new Error(`job kind ${name} is not defined`);
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection, prefix, defaultJobOptions: jobRetention });
      queue.on('error', (error) => {
        if (connection.status !== 'ready') return;
        logger.warn({ job: name }, `queue error: ${messageOf(error)}`);
      });
      queues.set(name, queue);
    }
    return queue;
  }

  function processorOf(definition: JobDefinition<unknown>) {
    return async (job: Job, token?: string): Promise<void> => {
      let handBack: () => void = () => {};
      const givenUp = new Promise<'given up'>((resolve) => {
        handBack = () => resolve('given up');
      });
      const entry: InHand = { handBack };
      inHand.add(entry);
      try {
        const outcome = await Promise.race([
          definition.run(job.data, { signal: stopping.signal }).then(() => 'done' as const),
          givenUp,
        ]);
        if (outcome === 'given up') {
          // Back to the wait list for another worker; WaitingError tells BullMQ the job
          // was moved on purpose, not failed.
          await job.moveToWait(token);
          throw new WaitingError();
        }
      } catch (error) {
        if (!(error instanceof WaitingError)) {
          logger.warn(
            { job: definition.name, code: error instanceof CtripError ? error.code : undefined },
            `job ${definition.name} failed: ${messageOf(error)}`,
          );
        }
        throw error;
      } finally {
        inHand.delete(entry);
      }
    };
  }

  return {
    driver: 'bullmq',
    define(definition) {
      definitions.set(definition.name, definition as JobDefinition<unknown>);
    },
    async schedule<D>(name: string, schedule: ScheduleOptions<D>) {
      schedules.set(`${name}\u0000${schedule.key ?? name}`, { name, schedule });
      await upsertSchedule(name, schedule);
    },
    async enqueue(name, data, { key, keyTtlMs }) {
      if (stopping.signal.aborted) return;
      await queueOf(name).add(name, data, { deduplication: deduplicationOf(key, keyTtlMs) });
    },
    async enqueueMany(name, jobs) {
      if (stopping.signal.aborted || jobs.length === 0) return;
      await queueOf(name).addBulk(
        jobs.map(({ data, key, keyTtlMs }) => ({
          name,
          data,
          opts: { deduplication: deduplicationOf(key, keyTtlMs) },
        })),
      );
    },
    async backlog(name) {
      const counts = await queueOf(name).getJobCounts('waiting', 'active', 'prioritized');
      return Object.values(counts).reduce((n, c) => n + c, 0);
    },
    async start() {
      if (workers.length > 0) return;
      for (const definition of definitions.values()) {
        queueOf(definition.name);
        const worker = new Worker(definition.name, processorOf(definition), {
          connection,
          prefix,
          concurrency: definition.concurrency ?? 1,
          ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
          ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
        });
        worker.on('error', (error) => {
          // During an outage every worker reports each failed reconnect: the connection's
          // own listener says it once (reportOutages).
          if (connection.status !== 'ready') return;
          logger.warn({ job: definition.name }, `job worker error: ${messageOf(error)}`);
        });
        workers.push(worker);
      }
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
      // Upserting an unchanged scheduler changes nothing, so every process may do it.
      refreshTimer = setInterval(() => {
        for (const { name, schedule } of schedules.values()) {
          upsertSchedule(name, schedule).catch(() => {
            // An outage is reported once by reportOutages; the next refresh tries again.
          });
        }
      }, options.scheduleRefreshMs ?? 60_000);
      refreshTimer.unref();
    },
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        clearInterval(refreshTimer);
        // close() stops fetching at once and resolves when the jobs in hand have finished.
        const closing = Promise.all(workers.map((worker) => worker.close()));
        let handedBack = 0;
        if (!(await settledWithin(closing, options.shutdownTimeoutMs))) {
          handedBack = inHand.size;
          logger.warn({ handedBack }, 'jobs still running at the shutdown timeout: handing back');
          for (const entry of inHand) entry.handBack();
          await closing;
        }
        await Promise.all([...queues.values()].map((queue) => queue.close()));
        await connection.quit().catch(() => connection.disconnect());
        return { handedBack };
      })();
      return stopped;
    },
  };
}

/** Logs the first error of an outage and the recovery, never the URL (it may hold a password). */
export function reportOutages(
  redis: Redis,
  logger: Pick<RunnerOptions['logger'], 'info' | 'warn'>,
): void {
  let down = false;
  redis.on('error', (error: Error & { code?: string }) => {
    if (down) return;
    down = true;
    logger.warn({ error: error.code ?? error.name }, 'job queue: redis unreachable; retrying');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({}, 'job queue: redis reachable again');
  });
}

function deduplicationOf(key: string, keyTtlMs: number | undefined) {
  return keyTtlMs === undefined ? { id: key } : { id: key, ttl: keyTtlMs };
}
