import { CtripError } from '../errors.ts';

/**
 * The chain reorganized deeper than the header ring reaches: the scanner cannot tell which
 * of its transfers are still canonical, so it stops that chain instead of guessing.
 */
export class ReorgTooDeepError extends CtripError {
  constructor(chain: string, details: { cursor: bigint; oldestHeader: bigint | null }) {
    super(
      'SCANNER_REORG_TOO_DEEP',
      `chain ${chain} reorganized below block ${details.oldestHeader ?? details.cursor}, deeper than its reorg window; scanning is stopped until an operator resumes it`,
      {
        details: {
          chain,
          cursor: String(details.cursor),
          oldestHeader: String(details.oldestHeader),
        },
      },
    );
  }
}

/** The chain's scanner was stopped (see `chain_states.halted_reason`) and waits for an operator. */
export class ScannerHaltedError extends CtripError {
  constructor(chain: string, reason: string) {
    super('SCANNER_HALTED', `scanning of chain ${chain} is stopped: ${reason}`, {
      details: { chain },
    });
  }
}

/** This process's lease on the chain lapsed and another took it: the batch in hand was rolled back. */
export class ScannerLeaseLostError extends CtripError {
  constructor(chain: string) {
    super(
      'SCANNER_LEASE_LOST',
      `lost the scan lease of chain ${chain}; the batch was not written`,
      {
        details: { chain },
        retryable: true,
      },
    );
  }
}

/** The node answered with blocks or logs that do not fit together (it moved while we read). */
export class ChainMovedError extends CtripError {
  constructor(chain: string, block: bigint) {
    super(
      'SCANNER_CHAIN_MOVED',
      `chain ${chain} changed at block ${block} while it was being read`,
      {
        details: { chain, block: String(block) },
        retryable: true,
      },
    );
  }
}

/** The node has a watched transaction but not its receipt: the step is retried. */
export class ReceiptMissingError extends CtripError {
  constructor(chain: string, txHash: string) {
    super('SCANNER_RECEIPT_MISSING', `chain ${chain}: no receipt for transaction ${txHash} yet`, {
      details: { chain, txHash },
      retryable: true,
    });
  }
}
