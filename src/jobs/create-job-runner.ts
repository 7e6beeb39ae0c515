import type { Settings } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import { createBullmqRunner } from './bullmq-runner.ts';
import { createInProcessRunner } from './in-process-runner.ts';
import type { JobRunner } from './job-runner.ts';

/** BullMQ on Redis when REDIS_URL is set; otherwise the jobs run in this process alone. */
export function createJobRunner(
  settings: Pick<Settings, 'redisUrl' | 'jobs'>,
  logger: Pick<Logger, 'info' | 'warn' | 'error'>,
): JobRunner {
  const options = { shutdownTimeoutMs: settings.jobs.shutdownTimeoutMs, logger };
  return settings.redisUrl
    ? createBullmqRunner({
        ...options,
        redisUrl: settings.redisUrl.reveal(),
        prefix: settings.jobs.queuePrefix,
      })
    : createInProcessRunner(options);
}
