import type { Kysely } from 'kysely';
import { purgeIdempotencyKeys } from '../api-keys/idempotency-store.ts';
import type { ConnectedChain } from '../chains/connect-chains.ts';
import type { Database } from '../db/models/index.ts';
import type { Logger } from '../logger.ts';
import { expirePayments } from '../payments/expire-payments.ts';
import type { ReconcilePolicy } from '../payments/reconcile-payments.ts';
import { createChainScanner } from '../scanner/scan-chain.ts';
import type { JobRunner } from './job-runner.ts';
import { createScanChainJob, type ScanChainJobData } from './scan-chain-job.ts';

/** How often open payments are checked for expiry. */
export const EXPIRY_INTERVAL_MS = 5_000;
/** How often idempotency keys past retention are forgotten. */
export const PURGE_INTERVAL_MS = 3_600_000;
/** A scan run that is behind keeps going this long, then lets other jobs (and workers) in. */
const SCAN_BUDGET_MS = 10_000;

export interface GatewayJobsDeps {
  readonly db: Kysely<Database>;
  readonly chains: readonly ConnectedChain[];
  readonly policy: ReconcilePolicy;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** This process's name in leases. */
  readonly holder: string;
}

export interface GatewayJobs {
  /** Gives up the leases this process holds (after the runner has stopped). */
  release(): Promise<void>;
}

/**
 * Defines and schedules the scan jobs (one schedule per chain, every poll interval), expiry
 * (every 5 s) and the idempotency purge (hourly) on `runner`.
 */
export async function scheduleScanAndHousekeeping(
  runner: JobRunner,
  deps: GatewayJobsDeps,
): Promise<GatewayJobs> {
  const scanned = deps.chains.map((chain) => ({
    chain,
    scanner: createChainScanner({
      db: deps.db,
      client: chain.client,
      chain: chain.config,
      holder: deps.holder,
      policy: deps.policy,
      logger: deps.logger,
    }),
  }));
  runner.define<ScanChainJobData>({
    name: 'scan',
    concurrency: Math.max(1, scanned.length),
    run: createScanChainJob({
      chains: scanned,
      logger: deps.logger,
      budgetMs: SCAN_BUDGET_MS,
      releaseLeaseAfterRun: runner.driver === 'bullmq',
    }),
  });
  runner.define<Record<string, never>>({
    name: 'expire',
    run: async () => {
      await expirePayments(deps.db, deps.policy);
    },
  });
  runner.define<Record<string, never>>({
    name: 'purge-idempotency',
    run: async () => {
      await purgeIdempotencyKeys(deps.db);
    },
  });
  for (const { chain } of scanned) {
    await runner.schedule<ScanChainJobData>('scan', {
      key: `scan-${chain.config.name}`,
      everyMs: chain.config.pollIntervalMs,
      data: { chain: chain.config.name },
    });
  }
  await runner.schedule('expire', { everyMs: EXPIRY_INTERVAL_MS, data: {} });
  await runner.schedule('purge-idempotency', { everyMs: PURGE_INTERVAL_MS, data: {} });
  return {
    async release() {
      await Promise.all(scanned.map(({ scanner }) => scanner.release().catch(() => {})));
    },
  };
}
