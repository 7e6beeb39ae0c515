import type { Logger } from '../logger.ts';

/**
 * What a job sees of the runner. `signal` aborts when the runner starts to stop: a job that
 * loops (a scan that is behind) finishes the step in hand and returns instead of starting
 * another.
 */
export interface JobContext {
  readonly signal: AbortSignal;
}

/**
 * A job: a plain async function of its data. It does not know which driver runs it, and must
 * be safe to run again (after a crash, or on two workers at once): the database's leases,
 * claims and conditional updates are what keep the work exclusive, never the runner.
 */
export type JobFunction<D> = (data: D, context: JobContext) => Promise<void>;

export interface JobDefinition<D> {
  /** The job kind, e.g. `scan`; with BullMQ, also its queue's name. */
  readonly name: string;
  readonly run: JobFunction<D>;
  /**
   * How many jobs of this kind one process runs at once (default 1). Scheduled kinds run one
   * job per schedule at a time in-process; with BullMQ this is the kind's worker concurrency.
   */
  readonly concurrency?: number;
}

export interface ScheduleOptions<D> {
  /** Tells apart the schedules of one kind (a chain's name); the kind's name by default. */
  readonly key?: string;
  readonly everyMs: number;
  readonly data: D;
}

export interface EnqueueOptions {
  /**
   * The job's identity: while a job with this key waits or runs, queueing another is a no-op,
   * so the same work handed out twice runs once.
   */
  readonly key: string;
  /**
   * How long the key holds at most. A worker that dies mid-job leaves its job "active" until
   * BullMQ's stalled check (a minute or more); past `keyTtlMs` the same work may be queued
   * again, so the job's own claim (a webhook delivery's) decides when it is retried.
   */
  readonly keyTtlMs?: number;
}

export interface StopResult {
  /** Jobs that were still running at the shutdown timeout and were given up. */
  readonly handedBack: number;
}

export type JobDriver = 'in-process' | 'bullmq';

/** Runs jobs by kind, on a schedule or on demand; see `createInProcessRunner`, `createBullmqRunner`. */
export interface JobRunner {
  readonly driver: JobDriver;
  /** Registers a kind; before `start`. A runner takes only the kinds it defines. */
  define<D>(definition: JobDefinition<D>): void;
  /** Runs a defined kind every `everyMs`. Before or after `start`. */
  schedule<D>(name: string, options: ScheduleOptions<D>): Promise<void>;
  /** Runs a defined kind once, soon; see `EnqueueOptions.key`. */
  enqueue<D>(name: string, data: D, options: EnqueueOptions): Promise<void>;
  /** `enqueue` for many jobs of one kind in one round trip (BullMQ: one pipeline). */
  enqueueMany<D>(
    name: string,
    jobs: readonly (EnqueueOptions & { readonly data: D })[],
  ): Promise<void>;
  start(): Promise<void>;
  /**
   * Stops taking jobs, waits for those in hand up to the shutdown timeout, then gives up the
   * rest (BullMQ puts them back in the queue for another worker) and closes connections.
   */
  stop(): Promise<StopResult>;
  /** Jobs of a kind waiting or running (this process's in-process; the whole queue's with BullMQ). */
  backlog(name: string): Promise<number>;
}

/** Settings both drivers share. */
export interface RunnerOptions {
  readonly shutdownTimeoutMs: number;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}
