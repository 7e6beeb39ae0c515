import type { Kysely } from 'kysely';
import { isId } from '../db/ids.ts';
import { lockRows } from '../db/lock-rows.ts';
import type { Database } from '../db/models/index.ts';
import { withTransaction } from '../db/transaction.ts';
import { PaymentError } from './errors.ts';
import { recordPaymentEvent } from './payment-events.ts';
import type { PaymentException, PaymentStatus } from './payment-status.ts';

/**
 * Cancels a payment on the merchant's word. Only a pending payment (no money seen) can be
 * canceled: once money arrived, canceling would hide it. The address stays watched, so money
 * that still comes is recorded and flagged `late`.
 */
export async function cancelPayment(
  db: Kysely<Database>,
  paymentId: string,
  now: Date = new Date(),
): Promise<void> {
  if (!isId(paymentId)) {
    throw new PaymentError('PAYMENT_NOT_FOUND', `payment ${paymentId} does not exist`, {
      paymentId,
    });
  }
  await withTransaction(db, async (trx) => {
    await lockRows(trx, 'payments', [paymentId]);
    const payment = await trx
      .selectFrom('payments')
      .select(['status', 'exception', 'amount', 'amount_received', 'confirmations'])
      .where('id', '=', paymentId)
      .executeTakeFirst();
    if (!payment) {
      throw new PaymentError('PAYMENT_NOT_FOUND', `payment ${paymentId} does not exist`, {
        paymentId,
      });
    }
    if (payment.status !== 'pending') {
      throw new PaymentError(
        'PAYMENT_NOT_CANCELABLE',
        `payment ${paymentId} is ${payment.status}; only a pending payment can be canceled`,
        { paymentId, status: payment.status },
      );
    }
    await trx
      .updateTable('payments')
      .set({ status: 'canceled', updated_at: now })
      .where('id', '=', paymentId)
      .where('status', '=', 'pending')
      .execute();
    await recordPaymentEvent(
      trx,
      paymentId,
      'payment.canceled',
      {
        status: 'canceled',
        exception: payment.exception as PaymentException | null,
        amount: payment.amount,
        amountReceived: payment.amount_received,
        confirmations: payment.confirmations,
      },
      payment.status as PaymentStatus,
    );
  });
}
