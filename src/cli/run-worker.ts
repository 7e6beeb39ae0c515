import { hostname } from 'node:os';
import type { ChainClient } from '../chains/chain-client.ts';
import { type ConnectedChain, connectChains } from '../chains/connect-chains.ts';
import { syncTokens } from '../chains/sync-tokens.ts';
import type { ChainConfig } from '../config/chains-file.ts';
import type { Settings } from '../config/index.ts';
import type { DatabaseHandle } from '../db/create-database.ts';
import { newId } from '../db/ids.ts';
import { createJobRunner } from '../jobs/create-job-runner.ts';
import { type GatewayJobs, scheduleScanAndHousekeeping } from '../jobs/gateway-jobs.ts';
import type { JobRunner, StopResult } from '../jobs/job-runner.ts';
import { scheduleSweeps } from '../jobs/sweep-jobs.ts';
import { planSweeping, type SweepingPlan } from '../jobs/sweeping-plan.ts';
import { scheduleWebhooks } from '../jobs/webhook-jobs.ts';
import { createLogger, type Logger } from '../logger.ts';
import { openDatabase } from './context.ts';
import { createConfiguredDeriver } from './run-api.ts';
import { requireSchemaAtHead } from './schema-at-head.ts';
import { waitForStopSignal } from './stop-signal.ts';

export interface RunningWorker {
  /** This process's name in leases. */
  readonly holder: string;
  readonly runner: JobRunner;
  readonly chainClients: ReadonlyMap<string, ChainClient>;
  /**
   * Stops taking jobs, waits for those in hand (up to SHUTDOWN_TIMEOUT_MS; BullMQ hands the
   * rest back to the queue), gives up this process's leases and closes the queue's
   * connections. The database stays open: the caller closes it. Jobs handed back may still
   * hold sockets (a request that hangs), so a command exits explicitly when any were.
   */
  stop(): Promise<StopResult>;
}

export interface StartWorkerParams {
  readonly settings: Settings;
  readonly database: DatabaseHandle;
  readonly logger: Logger;
  /** The chains file's unless the caller runs others (the devnet of `ctrip start`). */
  readonly chains?: readonly ChainConfig[];
  /** The chains are the embedded devnet's: its development hot wallet and treasury sweep. */
  readonly devnet?: boolean;
  /** `all` (ctrip worker, ctrip start) or only the sweeps (ctrip sweep). Default `all`. */
  readonly jobs?: 'all' | 'sweep';
}

/**
 * Syncs the chains' tokens, connects to each chain (a wrong chain id leaves that chain out,
 * loudly) and runs the background jobs through the configured driver (BullMQ when REDIS_URL
 * is set, in this process otherwise).
 */
export async function startConfiguredWorker(params: StartWorkerParams): Promise<RunningWorker> {
  const { settings, database, logger } = params;
  const chains = params.chains ?? settings.chains;
  const synced = await syncTokens(database.db, chains);
  for (const [what, list] of Object.entries(synced)) {
    if (list.length > 0) logger.info({ tokens: list }, `tokens ${what}`);
  }
  if (chains.length === 0) {
    logger.warn('no chains configured (CHAINS_FILE): nothing to scan');
  }
  const { connected } = await connectChains(chains, logger);
  const holder = `${hostname()}:${process.pid}:${newId().slice(-12)}`;
  const runner = createJobRunner(settings, logger);
  const jobs: GatewayJobs[] = [];
  const only = params.jobs ?? 'all';
  const sweeping = planSweeping(settings, { devnet: params.devnet ?? false });
  try {
    if (only === 'all') {
      jobs.push(
        await scheduleScanAndHousekeeping(runner, {
          db: database.db,
          chains: connected,
          policy: { latePayments: settings.payments.latePayments },
          logger,
          holder,
        }),
      );
      await scheduleWebhooks(
        runner,
        {
          db: database.db,
          settings: settings.webhooks,
          secretKey: settings.secretKey,
          publicUrl: settings.http.publicUrl,
          chains,
          logger,
        },
        { concurrency: settings.jobs.concurrency },
      );
    }
    if (sweeping.on) {
      jobs.push(
        await scheduleSweeps(runner, {
          db: database.db,
          chains: connected,
          deriver: createConfiguredDeriver(settings),
          hotWalletKey: sweeping.hotWalletKey,
          treasuryAddress: sweeping.treasuryAddress,
          holder,
          logger,
        }),
      );
    }
    logSweeping(logger, sweeping);
    await runner.start();
  } catch (error) {
    await runner.stop().catch(() => {});
    throw error;
  }
  logger.info(
    { chains: connected.map((c) => c.config.name), holder, driver: runner.driver },
    'worker started',
  );
  return {
    holder,
    runner,
    chainClients: clientsOf(connected),
    async stop() {
      const result = await runner.stop();
      await Promise.all(jobs.map((j) => j.release()));
      logger.info({ handedBack: result.handedBack }, 'worker stopped');
      return result;
    },
  };
}

function logSweeping(logger: Logger, sweeping: SweepingPlan): void {
  if (!sweeping.on) {
    logger.info({ sweeping: false }, `sweeping is off: ${sweeping.reason}`);
  } else if (sweeping.development) {
    logger.info(
      { sweeping: true, treasury: sweeping.treasuryAddress },
      'sweeping to the devnet treasury with the development hot wallet',
    );
  } else {
    logger.info({ sweeping: true, treasury: sweeping.treasuryAddress }, 'sweeping is on');
  }
}

function clientsOf(connected: readonly ConnectedChain[]): ReadonlyMap<string, ChainClient> {
  return new Map(connected.map((c) => [c.config.name, c.client] as const));
}

/**
 * The started worker, or undefined when a stop signal comes first: with Redis down, starting
 * waits for it (saying so in the log), and Ctrl+C must still stop the process. Nothing has
 * been taken by then; the caller closes what it opened and ends the process
 * (`exitAfterAbandonedStart`), since the start still waiting holds the event loop.
 */
export async function startUnlessStopped(
  starting: Promise<RunningWorker>,
  stopped: Promise<NodeJS.Signals>,
  logger: Pick<Logger, 'warn'>,
): Promise<RunningWorker | undefined> {
  const first = await Promise.race([
    starting.then((worker) => ({ worker })),
    stopped.then((signal) => ({ signal })),
  ]);
  if ('worker' in first) return first.worker;
  logger.warn({ signal: first.signal }, 'stopped before the worker had started');
  // Should the start complete after all, its jobs must not run.
  void starting.then((worker) => worker.stop()).catch(() => {});
  return undefined;
}

/** Ends the process after a start given up by `startUnlessStopped`. */
export function exitAfterAbandonedStart(): never {
  process.exit(process.exitCode ?? 0);
}

/**
 * Ends the process after a stop that gave jobs up: their functions may still be waiting on a
 * socket (a webhook receiver that hangs) and would keep it alive past the shutdown timeout.
 * The work is safe elsewhere (back in the queue, or due again through its lapsed claim).
 */
export function exitIfJobsWereHandedBack(result: StopResult | undefined): void {
  if (result && result.handedBack > 0) process.exit(process.exitCode ?? 0);
}

/**
 * `ctrip worker` and `ctrip sweep`: open the database, refuse a schema not at head, run the
 * jobs until SIGINT/SIGTERM, stop them, close the database, and end the process where a
 * start was given up or jobs were handed back.
 */
export async function runWorkerProcess(
  settings: Settings,
  options: { readonly jobs: 'all' | 'sweep'; readonly banner: string },
): Promise<void> {
  const logger = createLogger(settings.logLevel);
  const database = await openDatabase(settings);
  const stopped = waitForStopSignal();
  let result: StopResult | undefined;
  let abandoned = false;
  try {
    await requireSchemaAtHead(settings, database, logger);
    const worker = await startUnlessStopped(
      startConfiguredWorker({ settings, database, logger, jobs: options.jobs }),
      stopped,
      logger,
    );
    if (worker) {
      process.stdout.write(`${options.banner}\n`);
      logger.info({ signal: await stopped }, 'stopping');
      result = await worker.stop();
    } else {
      abandoned = true;
    }
  } finally {
    await database.close();
    logger.flush();
  }
  if (abandoned) exitAfterAbandonedStart();
  exitIfJobsWereHandedBack(result);
}
