import { verifyChainId } from '../chains/calls/verify-chain-id.ts';
import type { ConnectedChain } from '../chains/connect-chains.ts';
import { CtripError, messageOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ChainScanner } from '../scanner/scan-chain.ts';

export interface ScanChainLoopParams {
  readonly chain: ConnectedChain;
  readonly scanner: ChainScanner;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly signal: AbortSignal;
}

const MAX_BACKOFF_MS = 60_000;

/**
 * Scans one chain until `signal` aborts: straight on while behind, then once per poll
 * interval. Retryable failures back off and try again; a stopped chain (a reorg deeper than
 * its window, a wrong chain id) is reported loudly every minute and retried, so it resumes
 * as soon as the cause is fixed. The step in hand always finishes
 * before the loop ends, so a shutdown never cuts a write short.
 */
export async function runScanChainLoop(params: ScanChainLoopParams): Promise<void> {
  const { chain, scanner, logger, signal } = params;
  const name = chain.config.name;
  let verified = chain.verified;
  let failures = 0;
  while (!signal.aborted) {
    let waitMs = chain.config.pollIntervalMs;
    try {
      if (!verified) {
        await verifyChainId(chain.client);
        verified = true;
      }
      const step = await scanner.scanOnce();
      failures = 0;
      if (step.kind === 'scanned' && !step.caughtUp) waitMs = 0;
      if (step.kind === 'reorg') waitMs = 0;
      if (step.kind === 'scanned' && step.transfers > 0) {
        logger.info(
          { chain: name, from: String(step.from), to: String(step.to), transfers: step.transfers },
          'transfers recorded',
        );
      }
    } catch (error) {
      const retryable = error instanceof CtripError ? error.retryable : true;
      const code = error instanceof CtripError ? error.code : 'UNEXPECTED';
      failures += 1;
      if (!retryable) {
        // Loud, and slow to retry, but never given up: once an operator fixes the cause
        // (`ctrip chains rescan`, an RPC setting), scanning resumes without a restart.
        waitMs = MAX_BACKOFF_MS;
        logger.error({ chain: name, code }, `scanning of ${name} is stopped: ${messageOf(error)}`);
      } else {
        waitMs = Math.min(
          MAX_BACKOFF_MS,
          chain.config.pollIntervalMs * 2 ** Math.min(failures, 10),
        );
        logger.warn({ chain: name, code, failures }, `scan step failed: ${messageOf(error)}`);
      }
    }
    if (waitMs > 0) await sleep(waitMs, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
