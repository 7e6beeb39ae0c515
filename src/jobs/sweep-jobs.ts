import type { Kysely } from 'kysely';
import type { ConnectedChain } from '../chains/connect-chains.ts';
import type { Secret } from '../config/secret.ts';
import type { Database } from '../db/models/index.ts';
import type { Logger } from '../logger.ts';
import { releaseSweepLease, type SweeperDeps, sweepChainOnce } from '../sweeper/index.ts';
import type { DepositAddressDeriver } from '../wallet/index.ts';
import type { GatewayJobs } from './gateway-jobs.ts';
import type { JobRunner } from './job-runner.ts';

/** How often each chain's sweeper looks for confirmed payments and follows its transactions. */
export const SWEEP_INTERVAL_MS = 3_000;

export interface SweepJobsDeps {
  readonly db: Kysely<Database>;
  readonly chains: readonly ConnectedChain[];
  /** Holds the mnemonic: the deposit addresses' keys sign the sweeps. */
  readonly deriver: DepositAddressDeriver;
  readonly hotWalletKey: Secret;
  readonly treasuryAddress: `0x${string}`;
  readonly holder: string;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface SweepJobData {
  readonly chain: string;
}

/**
 * Defines the `sweep` job and schedules it per chain: one pass of the chain's sweeper
 * (`sweepChainOnce`), exclusive across processes through the lease `sweep:<chain>` (a busy
 * lease makes the pass return at once). As with scanning, BullMQ runs give the lease up after
 * each pass, since the next may land on another worker.
 */
export async function scheduleSweeps(runner: JobRunner, deps: SweepJobsDeps): Promise<GatewayJobs> {
  const sweepers = new Map<string, { deps: SweeperDeps; running: boolean }>(
    deps.chains.map((chain) => [
      chain.config.name,
      {
        running: false,
        deps: {
          db: deps.db,
          chain,
          deriver: deps.deriver,
          hotWalletKey: deps.hotWalletKey,
          treasuryAddress: deps.treasuryAddress,
          holder: deps.holder,
          logger: deps.logger,
        },
      },
    ]),
  );
  const releaseAfterRun = runner.driver === 'bullmq';
  runner.define<SweepJobData>({
    name: 'sweep',
    concurrency: Math.max(1, sweepers.size),
    run: async ({ chain }) => {
      const sweeper = sweepers.get(chain);
      // Another process's chain, or a pass of this chain still running here.
      if (!sweeper || sweeper.running) return;
      sweeper.running = true;
      try {
        const result = await sweepChainOnce(sweeper.deps);
        if (result.planned + result.sent + result.settled > 0) {
          deps.logger.info({ chain, ...result }, 'sweep pass');
        }
      } finally {
        if (releaseAfterRun) await releaseSweepLease(sweeper.deps).catch(() => {});
        sweeper.running = false;
      }
    },
  });
  for (const chain of sweepers.keys()) {
    await runner.schedule<SweepJobData>('sweep', {
      key: `sweep-${chain}`,
      everyMs: SWEEP_INTERVAL_MS,
      data: { chain },
    });
  }
  return {
    async release() {
      await Promise.all(
        [...sweepers.values()].map((s) => releaseSweepLease(s.deps).catch(() => {})),
      );
    },
  };
}
