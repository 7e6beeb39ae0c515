import type { PaymentEventData } from '../payments/payment-events.ts';
import type { PaymentRow } from '../payments/payment-queries.ts';
import { type PaymentViewContext, toPaymentView } from '../payments/payment-view.ts';

export interface WebhookEvent {
  readonly id: string;
  readonly type: string;
  readonly created_at: Date;
  readonly data: unknown;
}

/**
 * The body sent for an event: `{id, type, created_at, data}` where `data` is the payment as
 * the API returns it, but with the status, exception, amount received and confirmations the
 * event recorded. A receiver that gets events late or twice still sees what each one said,
 * not whatever the payment looks like when the body is built.
 */
export function buildWebhookPayload(
  event: WebhookEvent,
  payment: PaymentRow,
  context: PaymentViewContext,
): string {
  const snapshot = event.data as Partial<PaymentEventData>;
  const status = snapshot.status ?? payment.status;
  const asOfEvent: PaymentRow = {
    ...payment,
    status,
    exception: snapshot.exception === undefined ? payment.exception : snapshot.exception,
    amount_received:
      snapshot.amount_received === undefined
        ? payment.amount_received
        : BigInt(snapshot.amount_received),
    confirmations: snapshot.confirmations ?? payment.confirmations,
    // A confirmation time beside a status that was not (yet) confirmed would contradict it.
    confirmed_at: status === 'confirmed' || status === 'settled' ? payment.confirmed_at : null,
  };
  return JSON.stringify({
    id: event.id,
    type: event.type,
    created_at: event.created_at.toISOString(),
    data: toPaymentView(asOfEvent, context),
  });
}
