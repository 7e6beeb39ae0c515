import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestLogger } from '../../test/gateway.ts';
import { deleteKeysUnder, REDIS_URL, uniqueQueuePrefix } from '../../test/redis.ts';
import { waitUntil } from '../../test/scripts/processes.ts';
import { createBullmqRunner } from './bullmq-runner.ts';
import { createInProcessRunner } from './in-process-runner.ts';
import type { JobDriver, JobRunner } from './job-runner.ts';
import { createQueueMonitor } from './queue-stats.ts';
import { sleep } from './sleep.ts';

const WAIT_MS = 15_000;

/**
 * The contract both drivers keep, run against each: the in-process driver and BullMQ on the
 * real Redis (each test under a key prefix of its own, deleted afterwards). Runners made here
 * are "workers": two BullMQ runners on one prefix are two workers sharing the queues.
 */
function useRunners(driver: JobDriver) {
  const prefix = uniqueQueuePrefix();
  const runners: JobRunner[] = [];
  const cleanups: (() => unknown)[] = [];

  function createRunner(
    options: { shutdownTimeoutMs?: number; scheduleRefreshMs?: number } = {},
  ): JobRunner {
    const common = {
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10_000,
      logger: createTestLogger(),
    };
    const runner =
      driver === 'bullmq'
        ? createBullmqRunner({
            ...common,
            redisUrl: REDIS_URL,
            prefix,
            lockDurationMs: 2_000,
            stalledIntervalMs: 500,
            ...(options.scheduleRefreshMs ? { scheduleRefreshMs: options.scheduleRefreshMs } : {}),
          })
        : createInProcessRunner(common);
    runners.push(runner);
    return runner;
  }

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    if (driver === 'bullmq') await deleteKeysUnder(prefix);
  });
  return { prefix, cleanups, createRunner };
}

describe.each<JobDriver>(['in-process', 'bullmq'])('job runner contract: %s', (driver) => {
  const { cleanups, createRunner } = useRunners(driver);

  it('a scheduled job runs again and again, with its data', async () => {
    const runner = createRunner();
    const seen: unknown[] = [];
    runner.define<{ chain: string }>({
      name: 'scan',
      run: async (data) => {
        seen.push(data);
      },
    });
    await runner.schedule('scan', { key: 'scan-a', everyMs: 100, data: { chain: 'a' } });
    await runner.start();
    await waitUntil('three runs', async () => seen.length >= 3, WAIT_MS);
    expect(new Set(seen.map((d) => JSON.stringify(d)))).toEqual(new Set(['{"chain":"a"}']));
  });

  it('a failing scheduled job is tried again on the next run', async () => {
    const runner = createRunner();
    let runs = 0;
    runner.define({
      name: 'expire',
      run: async () => {
        runs += 1;
        if (runs === 1) throw new Error('database unreachable');
      },
    });
    await runner.schedule('expire', { everyMs: 100, data: {} });
    await runner.start();
    await waitUntil('a run after the failure', async () => runs >= 2, WAIT_MS);
  });

  it('a job enqueued twice with one key while the first waits or runs runs once', async () => {
    const runner = createRunner();
    const runs: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    runner.define<{ id: string }>({
      name: 'webhook-deliver',
      concurrency: 4,
      run: async ({ id }) => {
        runs.push(id);
        if (id === 'slow') await held;
      },
    });
    await runner.start();
    await runner.enqueue('webhook-deliver', { id: 'slow' }, { key: 'deliver:1' });
    await waitUntil('the first job started', async () => runs.length === 1, WAIT_MS);
    // Running: the same key again is a no-op; another key runs.
    await runner.enqueue('webhook-deliver', { id: 'slow' }, { key: 'deliver:1' });
    await runner.enqueue('webhook-deliver', { id: 'other' }, { key: 'deliver:2' });
    await runner.enqueue('webhook-deliver', { id: 'other' }, { key: 'deliver:2' });
    await waitUntil('the other job ran', async () => runs.includes('other'), WAIT_MS);
    release();
    await sleep(500);
    expect(runs.sort()).toEqual(['other', 'slow']);
    // Once finished, the key is free again: a later delivery of the same thing runs.
    await runner.enqueue('webhook-deliver', { id: 'again' }, { key: 'deliver:1' });
    await waitUntil('the key reused', async () => runs.includes('again'), WAIT_MS);
  });

  it('a batch enqueued at once runs each job once, keys deduplicated within the batch and against jobs already queued', async () => {
    const runner = createRunner();
    const runs: string[] = [];
    runner.define<{ id: string }>({
      name: 'webhook-deliver',
      concurrency: 4,
      run: async ({ id }) => {
        runs.push(id);
        await sleep(50);
      },
    });
    await runner.start();
    await runner.enqueue('webhook-deliver', { id: 'a' }, { key: 'deliver:a' });
    await runner.enqueueMany(
      'webhook-deliver',
      ['a', 'b', 'c', 'b', 'd'].map((id) => ({ data: { id }, key: `deliver:${id}` })),
    );
    await waitUntil('every job ran', async () => runs.length >= 4, WAIT_MS);
    await sleep(300);
    expect(runs.sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a key with a TTL stops holding after it, even while its job still runs', async () => {
    const runner = createRunner();
    const runs: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    runner.define<{ id: string }>({
      name: 'webhook-deliver',
      concurrency: 4,
      run: async ({ id }) => {
        runs.push(id);
        if (id === 'stuck') await held;
      },
    });
    await runner.start();
    // A job whose worker hangs (or died, with BullMQ) keeps its key only for the TTL.
    await runner.enqueue('webhook-deliver', { id: 'stuck' }, { key: 'deliver:1', keyTtlMs: 300 });
    await waitUntil('the first job started', async () => runs.length === 1, WAIT_MS);
    await runner.enqueue('webhook-deliver', { id: 'early' }, { key: 'deliver:1', keyTtlMs: 300 });
    await sleep(600);
    await runner.enqueue('webhook-deliver', { id: 'retry' }, { key: 'deliver:1', keyTtlMs: 300 });
    await waitUntil('the same work queued again', async () => runs.includes('retry'), WAIT_MS);
    expect(runs).toEqual(['stuck', 'retry']);
    release();
  });

  it('stop waits for the job in hand, and no job starts after it', async () => {
    const runner = createRunner();
    const events: string[] = [];
    runner.define<{ id: number }>({
      name: 'webhook-deliver',
      run: async ({ id }) => {
        events.push(`start ${id}`);
        await sleep(700);
        events.push(`end ${id}`);
      },
    });
    await runner.start();
    await runner.enqueue('webhook-deliver', { id: 1 }, { key: 'd1' });
    await runner.enqueue('webhook-deliver', { id: 2 }, { key: 'd2' });
    await waitUntil('the first job started', async () => events.length === 1, WAIT_MS);
    const result = await runner.stop();
    expect(result).toEqual({ handedBack: 0 });
    expect(events).toEqual(['start 1', 'end 1']);
    await sleep(1_000);
    expect(events).toEqual(['start 1', 'end 1']);
    if (driver === 'bullmq') {
      // The job not started is still in the queue for the next worker.
      const next = createRunner();
      next.define<{ id: number }>({
        name: 'webhook-deliver',
        run: async ({ id }) => {
          events.push(`next ${id}`);
        },
      });
      await next.start();
      await waitUntil('the next worker took job 2', async () => events.includes('next 2'), WAIT_MS);
    }
  });

  it('a job still running at the shutdown timeout is given up, and stop returns', async () => {
    const runner = createRunner({ shutdownTimeoutMs: 300 });
    const runs: string[] = [];
    let finishFirst: () => void = () => {};
    const firstHeld = new Promise<void>((resolve) => {
      finishFirst = resolve;
    });
    cleanups.push(finishFirst);
    const run = async ({ id }: { id: string }, tag: string) => {
      runs.push(`${tag} ${id}`);
      if (tag === 'first') await firstHeld;
    };
    runner.define<{ id: string }>({ name: 'sweep', run: (data) => run(data, 'first') });
    await runner.start();
    await runner.enqueue('sweep', { id: 'x' }, { key: 'sweep-x' });
    await waitUntil('the job started', async () => runs.length === 1, WAIT_MS);
    const since = Date.now();
    expect(await runner.stop()).toEqual({ handedBack: 1 });
    expect(Date.now() - since).toBeLessThan(3_000);
    if (driver === 'bullmq') {
      // Handed back to the queue: another worker completes it.
      const other = createRunner();
      other.define<{ id: string }>({ name: 'sweep', run: (data) => run(data, 'other') });
      await other.start();
      await waitUntil('another worker ran it', async () => runs.includes('other x'), WAIT_MS);
      expect(runs).toEqual(['first x', 'other x']);
    }
  });
});

describe('job runner on BullMQ', () => {
  const { prefix, cleanups, createRunner } = useRunners('bullmq');

  it('schedules come back after Redis lost its data, without restarting the worker', async () => {
    const runner = createRunner({ scheduleRefreshMs: 300 });
    let runs = 0;
    runner.define({
      name: 'expire',
      run: async () => {
        runs += 1;
      },
    });
    await runner.schedule('expire', { everyMs: 100, data: {} });
    await runner.start();
    await waitUntil('the schedule runs', async () => runs >= 2, WAIT_MS);
    // What a Redis restart without persistence does to the queues: every key gone.
    await deleteKeysUnder(prefix);
    await sleep(150);
    const afterLoss = runs;
    await waitUntil('the schedule runs again', async () => runs >= afterLoss + 2, WAIT_MS);
  });

  it('two workers share the jobs, and none runs twice', async () => {
    const workers = [createRunner(), createRunner()];
    const runs: { id: number; worker: number }[] = [];
    for (const [worker, runner] of workers.entries()) {
      runner.define<{ id: number }>({
        name: 'webhook-deliver',
        concurrency: 3,
        run: async ({ id }) => {
          runs.push({ id, worker });
          await sleep(20);
        },
      });
    }
    await Promise.all(workers.map((w) => w.start()));
    const ids = Array.from({ length: 60 }, (_, i) => i);
    for (const id of ids) {
      await workers[id % 2]?.enqueue('webhook-deliver', { id }, { key: `d${id}` });
    }
    await waitUntil('every job ran', async () => runs.length >= ids.length, WAIT_MS);
    await sleep(300);
    expect(runs.map((r) => r.id).sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(runs.map((r) => r.worker))).toEqual(new Set([0, 1]));
  });

  it('the queue monitor reports each kind’s depth', async () => {
    const runner = createRunner();
    runner.define({ name: 'webhook-deliver', run: async () => {} });
    runner.define({
      name: 'expire',
      run: async () => {
        throw new Error('boom');
      },
    });
    // Enqueued before any worker runs: waiting. A schedule holds one job at a time.
    for (const key of ['a', 'b', 'c']) await runner.enqueue('webhook-deliver', {}, { key });
    await runner.schedule('expire', { everyMs: 60_000, data: {} });
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const monitor = createQueueMonitor(redis, prefix);
    cleanups.push(async () => {
      await monitor.close();
      redis.disconnect();
    });
    const before = await monitor.read();
    expect(before['webhook-deliver']).toEqual({ waiting: 3, delayed: 0, active: 0, failed: 0 });
    // A schedule's first job: due now (waiting) or soon (delayed), one either way.
    expect(before.expire.waiting + before.expire.delayed).toBe(1);
    expect(before.scan).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });
    await runner.start();
    const after = await waitUntil(
      'the deliveries done and the expiry failed',
      async () => {
        const stats = await monitor.read();
        return stats['webhook-deliver'].waiting === 0 && stats.expire.failed === 1 && stats;
      },
      WAIT_MS,
    );
    // The failed run is kept; the schedule's next run waits its turn.
    expect(after.expire).toEqual({ waiting: 0, delayed: 1, active: 0, failed: 1 });
  });
});
