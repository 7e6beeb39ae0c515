import type { PaymentEventType } from '../payments/payment-events.ts';

// A record keyed by the union, so adding a payment event type without listing it here fails to
// compile instead of silently never reaching endpoints that filter on it.
const EVENT_TYPES: Record<PaymentEventType, true> = {
  'payment.created': true,
  'payment.detected': true,
  'payment.confirmed': true,
  'payment.expired': true,
  'payment.canceled': true,
  'payment.reverted': true,
  'payment.settled': true,
  'payment.late': true,
  'payment.underpaid': true,
  'payment.overpaid': true,
};

/** Every event type an endpoint can subscribe to: each payment event is sent as a webhook. */
export const WEBHOOK_EVENT_TYPES: readonly PaymentEventType[] = Object.freeze(
  Object.keys(EVENT_TYPES) as PaymentEventType[],
);
