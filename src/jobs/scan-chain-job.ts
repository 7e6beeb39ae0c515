import { verifyChainId } from '../chains/calls/verify-chain-id.ts';
import type { ConnectedChain } from '../chains/connect-chains.ts';
import { CtripError, messageOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ChainScanner } from '../scanner/scan-chain.ts';
import type { JobFunction } from './job-runner.ts';

export interface ScanChainJobParams {
  readonly chains: readonly { readonly chain: ConnectedChain; readonly scanner: ChainScanner }[];
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** A run that is behind keeps scanning this long at most, then returns. */
  readonly budgetMs: number;
  /**
   * Give the chain's lease up after each run. With BullMQ the next run may land on another
   * worker, which would otherwise find the lease busy until it lapsed; in-process, the same
   * loop runs again and keeps it.
   */
  readonly releaseLeaseAfterRun: boolean;
}

export interface ScanChainJobData {
  readonly chain: string;
}

const MAX_BACKOFF_MS = 60_000;

/**
 * The `scan` job: scans the chain named in its data, straight on while behind (up to the
 * budget), through this process's scanner of it. A chain whose lease another process holds is
 * left alone (the run returns). Retryable failures back off (runs before the back-off ends
 * return at once); a stopped chain (a reorg deeper than its window, a wrong chain id) is
 * reported loudly and retried every minute, so it resumes as soon as the cause is fixed.
 */
export function createScanChainJob(params: ScanChainJobParams): JobFunction<ScanChainJobData> {
  const { logger } = params;
  const states = new Map(
    params.chains.map(({ chain, scanner }) => [
      chain.config.name,
      { chain, scanner, verified: chain.verified, failures: 0, retryAt: 0, running: false },
    ]),
  );
  const unknown = new Set<string>();

  return async (data, { signal }) => {
    const state = states.get(data.chain);
    if (!state) {
      // Another process scheduled a chain this one does not serve (configurations differ).
      if (!unknown.has(data.chain)) {
        unknown.add(data.chain);
        logger.warn({ chain: data.chain }, 'scan job for a chain this process does not serve');
      }
      return;
    }
    // One run per chain at a time in this process: two would share the lease (one holder).
    if (state.running || Date.now() < state.retryAt) return;
    state.running = true;
    const { chain, scanner } = state;
    const name = chain.config.name;
    const deadline = Date.now() + params.budgetMs;
    try {
      while (!signal.aborted && Date.now() < deadline) {
        if (!state.verified) {
          await verifyChainId(chain.client);
          state.verified = true;
        }
        const step = await scanner.scanOnce();
        state.failures = 0;
        if (step.kind === 'scanned' && step.transfers > 0) {
          logger.info(
            {
              chain: name,
              from: String(step.from),
              to: String(step.to),
              transfers: step.transfers,
            },
            'transfers recorded',
          );
        }
        const behind = (step.kind === 'scanned' && !step.caughtUp) || step.kind === 'reorg';
        if (!behind) break;
      }
    } catch (error) {
      const retryable = error instanceof CtripError ? error.retryable : true;
      const code = error instanceof CtripError ? error.code : 'UNEXPECTED';
      state.failures += 1;
      let waitMs: number;
      if (!retryable) {
        // Loud, and slow to retry, but never given up: once an operator fixes the cause
        // (`ctrip chains rescan`, an RPC setting), scanning resumes without a restart.
        waitMs = MAX_BACKOFF_MS;
        logger.error({ chain: name, code }, `scanning of ${name} is stopped: ${messageOf(error)}`);
      } else {
        waitMs = Math.min(
          MAX_BACKOFF_MS,
          chain.config.pollIntervalMs * 2 ** Math.min(state.failures, 10),
        );
        logger.warn(
          { chain: name, code, failures: state.failures },
          `scan step failed: ${messageOf(error)}`,
        );
      }
      state.retryAt = Date.now() + waitMs;
    } finally {
      if (params.releaseLeaseAfterRun) await scanner.release().catch(() => {});
      state.running = false;
    }
  };
}
