import type { Transaction } from 'kysely';
import { lockRows } from '../db/lock-rows.ts';
import type { Database } from '../db/models/index.ts';
import { withTransaction } from '../db/transaction.ts';
import { type PendingEvent, recordPaymentEvents } from '../payments/payment-events.ts';
import type { PaymentException, PaymentStatus } from '../payments/payment-status.ts';
import type { SweepPass } from './sweep-pass.ts';
import { listSweptConfirmedPayments } from './sweep-queries.ts';

const CATCH_UP_BATCH = 500;

/**
 * Settles the chain's payments that are `confirmed` again after their sweep was confirmed
 * while they were not (see settleSweep): a batch per pass, in one transaction that holds the
 * sweep lease. Returns how many became settled.
 */
export async function settleCaughtUpPayments(pass: SweepPass): Promise<number> {
  // Read before the transaction: SQLite's one connection is held by it until it ends.
  const ids = await listSweptConfirmedPayments(pass.deps.db, {
    chain: pass.chain,
    limit: CATCH_UP_BATCH,
  });
  if (ids.length === 0) return 0;
  const now = pass.now();
  const statuses = await withTransaction(pass.deps.db, async (trx) => {
    await pass.holdLease(trx);
    return settleSweptPayments(trx, ids, now);
  });
  const settled = ids.filter((id) => statuses.get(id) === 'settled');
  for (const paymentId of settled) {
    pass.deps.logger.info(
      { chain: pass.chain, paymentId },
      'payment confirmed again after its sweep was confirmed; payment settled',
    );
  }
  return settled.length;
}

/**
 * Settles, in the caller's transaction, those of the given payments (whose sweeps are
 * confirmed) that are `confirmed`, with one `payment.settled` event each. The rows are locked
 * first: the scanner's reconcile locks them too, so it cannot move a payment back between this
 * read and the write below, and of two settlers only the first finds it `confirmed`. A payment
 * not `confirmed` (a reorg moved it back, or the scanner has not confirmed it yet) is left for
 * a later pass. Returns each payment's status afterwards.
 */
export async function settleSweptPayments(
  trx: Transaction<Database>,
  paymentIds: readonly string[],
  now: Date,
): Promise<Map<string, PaymentStatus>> {
  const statuses = new Map<string, PaymentStatus>();
  if (paymentIds.length === 0) return statuses;
  await lockRows(trx, 'payments', paymentIds);
  const rows = await trx
    .selectFrom('payments')
    .select(['id', 'status', 'exception', 'amount', 'amount_received', 'confirmations'])
    .where('id', 'in', [...new Set(paymentIds)])
    .orderBy('id')
    .execute();
  const events: PendingEvent[] = [];
  for (const row of rows) {
    statuses.set(row.id, row.status as PaymentStatus);
    if (row.status !== 'confirmed') continue;
    await trx
      .updateTable('payments')
      .set({ status: 'settled', updated_at: now })
      .where('id', '=', row.id)
      .where('status', '=', 'confirmed')
      .execute();
    statuses.set(row.id, 'settled');
    events.push({
      paymentId: row.id,
      type: 'payment.settled',
      snapshot: {
        status: 'settled',
        exception: row.exception as PaymentException | null,
        amount: row.amount,
        amountReceived: row.amount_received,
        confirmations: row.confirmations,
      },
      previousStatus: 'confirmed',
    });
  }
  await recordPaymentEvents(trx, events);
  return statuses;
}
