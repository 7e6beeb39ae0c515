import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { purgeIdempotencyKeys } from '../api-keys/idempotency-store.ts';
import type { ConnectedChain } from '../chains/connect-chains.ts';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import { messageOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { expirePayments } from '../payments/expire-payments.ts';
import type { ReconcilePolicy } from '../payments/reconcile-payments.ts';
import { createChainScanner } from '../scanner/scan-chain.ts';
import { runScanChainLoop } from './scan-chain-loop.ts';

const PURGE_INTERVAL_MS = 3_600_000;

export interface WorkerDeps {
  readonly db: Kysely<Database>;
  readonly chains: readonly ConnectedChain[];
  readonly policy: ReconcilePolicy;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How often open payments are checked for expiry. */
  readonly expiryIntervalMs?: number;
}

export interface Worker {
  /** This process's name in leases. */
  readonly holder: string;
  /** Stops taking work, lets the steps in hand finish, gives up the leases. */
  stop(): Promise<void>;
}

/**
 * Runs the background jobs in this process: one scan loop per chain (each exclusive across
 * processes through its lease) and the periodic expiry of open payments.
 */
export function startWorker(deps: WorkerDeps): Worker {
  const holder = `${hostname()}:${process.pid}:${newId().slice(-12)}`;
  const controller = new AbortController();
  const scanners = deps.chains.map((chain) =>
    createChainScanner({
      db: deps.db,
      client: chain.client,
      chain: chain.config,
      holder,
      policy: deps.policy,
      logger: deps.logger,
    }),
  );
  const loops = deps.chains.map((chain, i) =>
    runScanChainLoop({
      chain,
      scanner: scanners[i] as (typeof scanners)[number],
      logger: deps.logger,
      signal: controller.signal,
    }),
  );

  const expiryEvery = deps.expiryIntervalMs ?? 5_000;
  let expiring: Promise<unknown> = Promise.resolve();
  let lastPurge = 0;
  const expiryTimer = setInterval(() => {
    expiring = expiring.then(() =>
      runHousekeeping().catch((error) =>
        deps.logger.warn(
          { code: (error as { code?: string }).code },
          `expiry failed: ${messageOf(error)}`,
        ),
      ),
    );
  }, expiryEvery);

  /** Expires payments whose time is up and, hourly, forgets idempotency keys past retention. */
  async function runHousekeeping(): Promise<void> {
    await expirePayments(deps.db, deps.policy);
    if (Date.now() - lastPurge >= PURGE_INTERVAL_MS) {
      lastPurge = Date.now();
      await purgeIdempotencyKeys(deps.db);
    }
  }

  return {
    holder,
    async stop() {
      controller.abort();
      clearInterval(expiryTimer);
      await Promise.all([...loops, expiring]);
      await Promise.all(scanners.map((s) => s.release().catch(() => {})));
    },
  };
}
