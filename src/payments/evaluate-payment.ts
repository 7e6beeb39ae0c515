import type { PaymentException, PaymentStatus, TransferStatus } from './payment-status.ts';

export interface EvaluatedTransfer {
  readonly amount: bigint;
  readonly status: TransferStatus;
  readonly confirmations: number;
  readonly blockNumber: bigint;
  readonly blockTime: Date;
  /** Whether it is the payment's own token (another allow-listed token is recorded, not counted). */
  readonly counts: boolean;
}

export interface EvaluatePaymentParams {
  readonly status: PaymentStatus;
  readonly amount: bigint;
  readonly expiresAt: Date;
  readonly underpaymentTolerance: bigint;
  readonly transfers: readonly EvaluatedTransfer[];
  readonly now: Date;
  /** `accept`: late money may still confirm the payment; `flag`: it is recorded, the payment stays expired. */
  readonly latePayments: 'accept' | 'flag';
}

export interface PaymentState {
  readonly status: PaymentStatus;
  readonly exception: PaymentException | null;
  readonly amountReceived: bigint;
  /** The fewest confirmations among the counted transfers; 0 when there are none. */
  readonly confirmations: number;
  readonly detectedInBlock: bigint | null;
}

/**
 * The state a payment's transfers and clock put it in. A pure function of its inputs: the
 * scanner, the expiry job and a reorg all call it, so they cannot disagree about a payment.
 *
 * Rules: money counts when it is the payment's token and its block is still canonical. The
 * payment is confirmed once the confirmed part of that money reaches the amount less the
 * token's tolerance — so a later, unconfirmed extra transfer cannot pull it back — and only
 * a reorg that removes money can. Money whose block is after `expiresAt` is late: with the
 * `flag` policy it never completes a payment. Settled and canceled payments keep their
 * status; money reaching them is still summed and flagged.
 */
export function evaluatePayment(params: EvaluatePaymentParams): PaymentState {
  const live = params.transfers.filter((t) => t.counts && t.status !== 'removed');
  const late = live.filter((t) => t.blockTime.getTime() > params.expiresAt.getTime());
  const eligible = params.latePayments === 'accept' ? live : live.filter((t) => !late.includes(t));
  const target = params.amount - min(params.underpaymentTolerance, params.amount - 1n);

  const received = sum(live);
  const confirmedEligible = sum(eligible.filter((t) => t.status === 'confirmed'));
  const full = sum(eligible) >= target;
  const expired = params.now.getTime() >= params.expiresAt.getTime();

  let status: PaymentStatus;
  if (params.status === 'settled' || params.status === 'canceled') status = params.status;
  else if (confirmedEligible >= target) status = 'confirmed';
  else if (full) status = 'detected';
  else if (!expired) status = live.length > 0 ? 'detected' : 'pending';
  else status = 'expired';

  let exception: PaymentException | null = null;
  if (late.length > 0 || (status === 'canceled' && live.length > 0)) exception = 'late';
  else if (received > params.amount) exception = 'overpaid';
  else if (received > 0n && received < params.amount && status !== 'detected') {
    // Expired short, or confirmed within the tolerance: either way the merchant got less.
    exception = 'underpaid';
  }

  return {
    status,
    exception,
    amountReceived: received,
    confirmations: live.length > 0 ? Math.min(...live.map((t) => t.confirmations)) : 0,
    detectedInBlock: live.length > 0 ? minBlock(live) : null,
  };
}

function sum(transfers: readonly EvaluatedTransfer[]): bigint {
  let total = 0n;
  for (const transfer of transfers) total += transfer.amount;
  return total;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function minBlock(transfers: readonly EvaluatedTransfer[]): bigint {
  let lowest = transfers[0]?.blockNumber ?? 0n;
  for (const transfer of transfers)
    if (transfer.blockNumber < lowest) lowest = transfer.blockNumber;
  return lowest;
}
