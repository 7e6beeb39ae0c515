import { lockRows } from '../db/lock-rows.ts';
import { withTransaction } from '../db/transaction.ts';
import { recordPaymentEvent } from '../payments/payment-events.ts';
import type { PaymentException } from '../payments/payment-status.ts';
import { type FollowOutcome, followTransaction } from './follow-transaction.ts';
import { replaceSweepTransaction, replaceTopUp } from './replace-stuck-transaction.ts';
import { SweepMovedError } from './send-transaction.ts';
import type { SweepPass } from './sweep-pass.ts';
import {
  failNonce,
  findTransaction,
  finishNonce,
  moveSweep,
  type OpenSweep,
} from './sweep-queries.ts';

export type FollowSweepOutcome = 'settled' | 'in-flight' | 'failed';

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
    return (await settleSweep(pass, sweep, outcome)) ? 'settled' : 'in-flight';
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
 * its nonce replaced), the payment settled and `payment.settled` recorded. Returns false when
 * the sweep had already moved.
 */
async function settleSweep(
  pass: SweepPass,
  sweep: OpenSweep,
  outcome: Extract<FollowOutcome, { kind: 'final' }>,
): Promise<boolean> {
  const { winner, receipt } = outcome;
  const now = pass.now();
  // A replaced native sweep moves what its own fee left; a token sweep's amount never changes.
  const amount = sweep.token_address === null ? winner.value : (sweep.amount ?? 0n);
  const settled = await withTransaction(pass.deps.db, async (trx) => {
    await pass.holdLease(trx);
    await lockRows(trx, 'payments', [sweep.payment_id]);
    await finishNonce(trx, { winner, status: 'confirmed', block: receipt.blockNumber, now });
    const moved = await moveSweep(trx, {
      id: sweep.id,
      from: 'sent',
      to: 'confirmed',
      now,
      set: { confirmed_at: now, sweep_tx_id: winner.id, amount, error: null },
    });
    if (!moved) throw new SweepMovedError(sweep.id);
    const payment = await trx
      .selectFrom('payments')
      .select(['status', 'exception', 'amount', 'amount_received', 'confirmations'])
      .where('id', '=', sweep.payment_id)
      .executeTakeFirstOrThrow();
    if (payment.status !== 'confirmed') return payment.status;
    await trx
      .updateTable('payments')
      .set({ status: 'settled', updated_at: now })
      .where('id', '=', sweep.payment_id)
      .where('status', '=', 'confirmed')
      .execute();
    await recordPaymentEvent(
      trx,
      sweep.payment_id,
      'payment.settled',
      {
        status: 'settled',
        exception: payment.exception as PaymentException | null,
        amount: payment.amount,
        amountReceived: payment.amount_received,
        confirmations: payment.confirmations,
      },
      'confirmed',
    );
    return 'settled';
  });
  const fields = {
    chain: pass.chain,
    sweepId: sweep.id,
    paymentId: sweep.payment_id,
    token: sweep.token_symbol,
    amount: String(amount),
    txHash: winner.tx_hash,
  };
  if (settled !== 'settled') {
    pass.deps.logger.error(
      { ...fields, paymentStatus: settled },
      'sweep confirmed, but the payment is no longer confirmed (a reorg?): left as it is for an operator',
    );
    return true;
  }
  pass.deps.logger.info(fields, 'sweep confirmed; payment settled');
  return true;
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
