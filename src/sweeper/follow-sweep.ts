import { withTransaction } from '../db/transaction.ts';
import { type FollowOutcome, followTransaction } from './follow-transaction.ts';
import { replaceSweepTransaction, replaceTopUp } from './replace-stuck-transaction.ts';
import { SweepMovedError } from './send-transaction.ts';
import { settleSweptPayments } from './settle-payments.ts';
import type { SweepPass } from './sweep-pass.ts';
import {
  failNonce,
  findTransaction,
  finishNonce,
  moveSweep,
  type OpenSweep,
} from './sweep-queries.ts';

/** `swept`: the sweep is confirmed but its payment is not `confirmed`, so it is not settled yet. */
export type FollowSweepOutcome = 'settled' | 'swept' | 'in-flight' | 'failed';

/**
 * Follows a sent sweep until its transaction has the chain's confirmations, then settles the
 * payment; a revert or a nonce taken by another transaction fails the sweep loudly (its money
 * stays at the deposit address for an operator to look at, never sent twice).
 */
export async function followSweep(pass: SweepPass, sweep: OpenSweep): Promise<FollowSweepOutcome> {
  if (sweep.sweep_tx_id === null)
    throw new Error(`sweep ${sweep.id} is sent without a transaction`);
  const current = await findTransaction(pass.deps.db, sweep.sweep_tx_id);
  const outcome = await followTransaction(pass, current, (latest) =>
    replaceSweepTransaction(pass, sweep, latest),
  );
  if (outcome.kind === 'final' && outcome.receipt.status === 'success') {
    return settleSweep(pass, sweep, outcome);
  }
  if (outcome.kind === 'final' || outcome.kind === 'nonce-taken') {
    await failSweep(pass, sweep, outcome);
    return 'failed';
  }
  return 'in-flight';
}

export type FollowTopUpOutcome = 'ready' | 'in-flight';

/** Follows a gas top-up; `ready` once it has the chain's confirmations (the sweep is pending again). */
export async function followTopUp(pass: SweepPass, sweep: OpenSweep): Promise<FollowTopUpOutcome> {
  if (sweep.top_up_tx_id === null)
    throw new Error(`sweep ${sweep.id} tops up without a transaction`);
  const current = await findTransaction(pass.deps.db, sweep.top_up_tx_id);
  const outcome = await followTransaction(pass, current, (latest) =>
    replaceTopUp(pass, sweep, latest),
  );
  if (outcome.kind !== 'final' && outcome.kind !== 'nonce-taken') return 'in-flight';
  const now = pass.now();
  const ok = outcome.kind === 'final' && outcome.receipt.status === 'success';
  const error = ok
    ? null
    : outcome.kind === 'final'
      ? `SWEEP_TOP_UP_REVERTED: gas top-up ${outcome.winner.tx_hash} reverted`
      : `SWEEP_NONCE_TAKEN: another transaction of the hot wallet used nonce ${outcome.nonce} of gas top-up ${current.tx_hash}`;
  await withTransaction(pass.deps.db, async (trx) => {
    await pass.holdLease(trx);
    if (outcome.kind === 'final') {
      await finishNonce(trx, {
        winner: outcome.winner,
        status: ok ? 'confirmed' : 'failed',
        block: outcome.receipt.blockNumber,
        now,
      });
    } else {
      await failNonce(trx, { sweepId: sweep.id, purpose: 'top_up', nonce: outcome.nonce, now });
    }
    const moved = await moveSweep(trx, {
      id: sweep.id,
      from: 'topping_up',
      to: 'pending',
      now,
      set: { error },
    });
    if (!moved) throw new SweepMovedError(sweep.id);
  });
  if (!ok) {
    pass.deps.logger.error(
      {
        chain: pass.chain,
        sweepId: sweep.id,
        paymentId: sweep.payment_id,
        code: outcome.kind === 'final' ? 'SWEEP_TOP_UP_REVERTED' : 'SWEEP_NONCE_TAKEN',
      },
      `${error}; the sweep will top up again`,
    );
    return 'in-flight';
  }
  return 'ready';
}

/**
 * In ONE transaction: the sweep confirmed, its winning transaction confirmed (the others of
 * its nonce replaced), and, if the payment is `confirmed`, the payment settled with
 * `payment.settled` recorded. A payment a reorg moved back (or that the scanner has not
 * confirmed yet) is `swept`: a later pass settles it once it is confirmed again
 * (settleCaughtUpPayments), since the sweep is never followed or sent again. Throws
 * SweepMovedError when the sweep had already moved.
 */
async function settleSweep(
  pass: SweepPass,
  sweep: OpenSweep,
  outcome: Extract<FollowOutcome, { kind: 'final' }>,
): Promise<'settled' | 'swept'> {
  const { winner, receipt } = outcome;
  const now = pass.now();
  // A replaced native sweep moves what its own fee left; a token sweep's amount never changes.
  const amount = sweep.token_address === null ? winner.value : (sweep.amount ?? 0n);
  const paymentStatus = await withTransaction(pass.deps.db, async (trx) => {
    await pass.holdLease(trx);
    await finishNonce(trx, { winner, status: 'confirmed', block: receipt.blockNumber, now });
    const moved = await moveSweep(trx, {
      id: sweep.id,
      from: 'sent',
      to: 'confirmed',
      now,
      set: { confirmed_at: now, sweep_tx_id: winner.id, amount, error: null },
    });
    if (!moved) throw new SweepMovedError(sweep.id);
    const statuses = await settleSweptPayments(trx, [sweep.payment_id], now);
    return statuses.get(sweep.payment_id);
  });
  const fields = {
    chain: pass.chain,
    sweepId: sweep.id,
    paymentId: sweep.payment_id,
    token: sweep.token_symbol,
    amount: String(amount),
    txHash: winner.tx_hash,
  };
  if (paymentStatus !== 'settled') {
    pass.deps.logger.warn(
      { ...fields, paymentStatus },
      'sweep confirmed, but the payment is not confirmed (a reorg, or the scanner behind); it is settled once it is confirmed again',
    );
    return 'swept';
  }
  pass.deps.logger.info(fields, 'sweep confirmed; payment settled');
  return 'settled';
}

async function failSweep(
  pass: SweepPass,
  sweep: OpenSweep,
  outcome: Extract<FollowOutcome, { kind: 'final' } | { kind: 'nonce-taken' }>,
): Promise<void> {
  const now = pass.now();
  const error =
    outcome.kind === 'final'
      ? `SWEEP_REVERTED: sweep transaction ${outcome.winner.tx_hash} reverted in block ${outcome.receipt.blockNumber}; the money is still at ${sweep.from_address}`
      : `SWEEP_NONCE_TAKEN: another transaction of ${sweep.from_address} used nonce ${outcome.nonce}; the sweep transaction can never be mined`;
  await withTransaction(pass.deps.db, async (trx) => {
    await pass.holdLease(trx);
    if (outcome.kind === 'final') {
      await finishNonce(trx, {
        winner: outcome.winner,
        status: 'failed',
        block: outcome.receipt.blockNumber,
        now,
      });
    } else {
      await failNonce(trx, { sweepId: sweep.id, purpose: 'sweep', nonce: outcome.nonce, now });
    }
    const moved = await moveSweep(trx, {
      id: sweep.id,
      from: 'sent',
      to: 'failed',
      now,
      set: { error },
    });
    if (!moved) throw new SweepMovedError(sweep.id);
  });
  pass.deps.logger.error(
    {
      chain: pass.chain,
      sweepId: sweep.id,
      paymentId: sweep.payment_id,
      code: outcome.kind === 'final' ? 'SWEEP_REVERTED' : 'SWEEP_NONCE_TAKEN',
    },
    `sweep failed: ${error}`,
  );
}
