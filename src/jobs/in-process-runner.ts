import { CtripError, messageOf } from '../errors.ts';
import type {
  EnqueueOptions,
  JobDefinition,
  JobRunner,
  RunnerOptions,
  ScheduleOptions,
  StopResult,
} from './job-runner.ts';
import { settledWithin, sleep } from './sleep.ts';

interface Kind {
  readonly definition: JobDefinition<unknown>;
  /** Enqueued jobs not started yet, in order. */
  readonly waiting: { key: string; heldUntil: number; data: unknown }[];
  /**
   * Keys of the enqueued jobs waiting or running, with when each stops holding (its TTL;
   * Infinity without one): a second job with a held key is not queued.
   */
  readonly keys: Map<string, number>;
  active: number;
}

/**
 * The embedded driver (no REDIS_URL): each schedule is a loop of its own in this process (a
 * run, then `everyMs` of rest, so one schedule never overlaps itself), and enqueued jobs run
 * from an in-memory queue, at most `concurrency` of a kind at once. Nothing survives the
 * process: a job given up at shutdown is found again through the database (a lapsed claim, an
 * unswept payment) by the next run.
 */
export function createInProcessRunner(options: RunnerOptions): JobRunner {
  const { logger } = options;
  const kinds = new Map<string, Kind>();
  const schedules: { name: string; options: ScheduleOptions<unknown> }[] = [];
  const stopping = new AbortController();
  const inHand = new Set<Promise<void>>();
  let started = false;

  function kindOf(name: string): Kind {
    const kind = kinds.get(name);
    if (!kind) throw new Error(`job kind ${name} is not defined`);
    return kind;
  }

  /** Runs one job; a failure is logged, never thrown (the next run tries again). */
  function track(name: string, work: () => Promise<void>): Promise<void> {
    const run = work().catch((error) => {
      logger.warn(
        { job: name, code: error instanceof CtripError ? error.code : undefined },
        `job ${name} failed: ${messageOf(error)}`,
      );
    });
    inHand.add(run);
    void run.finally(() => inHand.delete(run));
    return run;
  }

  async function loop(name: string, schedule: ScheduleOptions<unknown>): Promise<void> {
    const kind = kindOf(name);
    while (!stopping.signal.aborted) {
      await track(name, () => kind.definition.run(schedule.data, { signal: stopping.signal }));
      await sleep(schedule.everyMs, stopping.signal);
    }
  }

  function pump(name: string, kind: Kind): void {
    const limit = kind.definition.concurrency ?? 1;
    while (started && !stopping.signal.aborted && kind.active < limit) {
      const next = kind.waiting.shift();
      if (!next) return;
      kind.active += 1;
      void track(name, () => kind.definition.run(next.data, { signal: stopping.signal })).finally(
        () => {
          kind.active -= 1;
          if (kind.keys.get(next.key) === next.heldUntil) kind.keys.delete(next.key);
          pump(name, kind);
        },
      );
    }
  }

  function enqueueOne(name: string, data: unknown, { key, keyTtlMs }: EnqueueOptions): void {
    const kind = kindOf(name);
    if (stopping.signal.aborted || (kind.keys.get(key) ?? 0) > Date.now()) return;
    const heldUntil = keyTtlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + keyTtlMs;
    kind.keys.set(key, heldUntil);
    kind.waiting.push({ key, heldUntil, data });
    pump(name, kind);
  }

  return {
    driver: 'in-process',
    define(definition) {
      kinds.set(definition.name, {
        definition: definition as JobDefinition<unknown>,
        waiting: [],
        keys: new Map(),
        active: 0,
      });
    },
    async schedule(name, schedule) {
      kindOf(name);
      schedules.push({ name, options: schedule });
      if (started) void loop(name, schedule);
    },
    async enqueue(name, data, options) {
      enqueueOne(name, data, options);
    },
    async enqueueMany(name, jobs) {
      for (const { data, ...options } of jobs) enqueueOne(name, data, options);
    },
    async backlog(name) {
      const kind = kindOf(name);
      return kind.waiting.length + kind.active;
    },
    async start() {
      if (started) return;
      started = true;
      for (const schedule of schedules) void loop(schedule.name, schedule.options);
      for (const [name, kind] of kinds) pump(name, kind);
    },
    async stop(): Promise<StopResult> {
      stopping.abort();
      const dropped = [...kinds.values()].reduce((n, kind) => n + kind.waiting.length, 0);
      for (const kind of kinds.values()) kind.waiting.length = 0;
      const inTime = await settledWithin(Promise.all(inHand), options.shutdownTimeoutMs);
      const handedBack = inTime ? 0 : inHand.size;
      if (dropped > 0 || handedBack > 0) {
        logger.warn(
          { dropped, handedBack },
          'jobs given up at shutdown; the database shows them due again',
        );
      }
      return { handedBack };
    },
  };
}
