import type { Transaction } from 'kysely';
import { lockRows } from '../db/lock-rows.ts';
import type { Database } from '../db/models/index.ts';
import { evaluatePayment } from './evaluate-payment.ts';
import {
  eventsForChange,
  type PaymentSnapshot,
  type PendingEvent,
  recordPaymentEvents,
} from './payment-events.ts';
import type { PaymentException, PaymentStatus, TransferStatus } from './payment-status.ts';

export interface ReconcilePolicy {
  readonly latePayments: 'accept' | 'flag';
}

export interface ReconciledChange {
  readonly paymentId: string;
  readonly from: PaymentStatus;
  readonly to: PaymentStatus;
  readonly events: readonly string[];
}

/**
 * Brings payments in line with their transfers and the clock: recomputes each one's state,
 * writes what changed and its events in the caller's transaction. Safe to call for payments
 * that did not change (it writes nothing for them) and from concurrent processes (the rows
 * are locked first, so each change and its events are written once).
 */
export async function reconcilePayments(
  trx: Transaction<Database>,
  paymentIds: readonly string[],
  policy: ReconcilePolicy,
  now: Date = new Date(),
): Promise<ReconciledChange[]> {
  if (paymentIds.length === 0) return [];
  const ids = [...new Set(paymentIds)];
  await lockRows(trx, 'payments', ids);
  const rows = await trx
    .selectFrom('payments')
    .innerJoin('tokens', 'tokens.id', 'payments.token_id')
    .select([
      'payments.id',
      'payments.token_id',
      'payments.status',
      'payments.exception',
      'payments.amount',
      'payments.amount_received',
      'payments.confirmations',
      'payments.detected_in_block',
      'payments.expires_at',
      'tokens.underpayment_tolerance',
    ])
    .where('payments.id', 'in', ids)
    .execute();
  const transfers = await trx
    .selectFrom('transactions')
    .select([
      'payment_id',
      'token_id',
      'amount',
      'status',
      'confirmations',
      'block_number',
      'block_time',
    ])
    .where('payment_id', 'in', ids)
    .execute();

  const transfersByPayment = new Map<string, typeof transfers>();
  for (const transfer of transfers) {
    const list = transfersByPayment.get(transfer.payment_id);
    if (list) list.push(transfer);
    else transfersByPayment.set(transfer.payment_id, [transfer]);
  }

  const changes: ReconciledChange[] = [];
  const events: PendingEvent[] = [];
  for (const row of rows) {
    const before: PaymentSnapshot = {
      status: row.status as PaymentStatus,
      exception: row.exception as PaymentException | null,
      amount: row.amount,
      amountReceived: row.amount_received,
      confirmations: row.confirmations,
    };
    const state = evaluatePayment({
      status: before.status,
      amount: row.amount,
      expiresAt: row.expires_at,
      underpaymentTolerance: row.underpayment_tolerance,
      latePayments: policy.latePayments,
      now,
      transfers: (transfersByPayment.get(row.id) ?? []).map((t) => ({
        amount: t.amount,
        status: t.status as TransferStatus,
        confirmations: t.confirmations,
        blockNumber: t.block_number,
        blockTime: t.block_time,
        counts: t.token_id === row.token_id,
      })),
    });
    const after: PaymentSnapshot = { ...state, amount: row.amount };
    if (
      after.status === before.status &&
      after.exception === before.exception &&
      after.amountReceived === before.amountReceived &&
      after.confirmations === before.confirmations &&
      state.detectedInBlock === row.detected_in_block
    ) {
      continue;
    }
    await trx
      .updateTable('payments')
      .set({
        status: after.status,
        exception: after.exception,
        amount_received: after.amountReceived,
        confirmations: after.confirmations,
        detected_in_block: state.detectedInBlock,
        ...(after.status === 'confirmed' && before.status !== 'confirmed'
          ? { confirmed_at: now }
          : {}),
        ...(before.status === 'confirmed' && after.status !== 'confirmed'
          ? { confirmed_at: null }
          : {}),
        updated_at: now,
      })
      .where('id', '=', row.id)
      .where('status', '=', before.status)
      .execute();
    const types = eventsForChange(before, after);
    // Each event shows the payment as it stood at that event: money seen and confirmed within
    // one step announces `payment.detected` with the status detected, then
    // `payment.confirmed` coming from detected.
    let previousStatus = before.status;
    for (const type of types) {
      const passing = type === 'payment.detected' && after.status !== 'detected';
      const snapshot = passing ? { ...after, status: 'detected' as const } : after;
      events.push({ paymentId: row.id, type, snapshot, previousStatus });
      previousStatus = snapshot.status;
    }
    changes.push({ paymentId: row.id, from: before.status, to: after.status, events: types });
  }
  // All of the batch's events in one statement, in the order they happened.
  await recordPaymentEvents(trx, events);
  return changes;
}
