export { claimDueDeliveries, claimFollowingDelivery } from './claim-deliveries.ts';
export {
  type DeliverWebhookResult,
  deliverWebhook,
  deliverWebhookThenClaimNext,
} from './deliver-webhook.ts';
export { dispatchPaymentEvents } from './dispatch-events.ts';
export { WebhookError, type WebhookErrorCode } from './errors.ts';
export { RETRY_DELAYS_MS } from './retry-schedule.ts';
export { assertWebhookUrlAllowed, type WebhookUrlOptions } from './url-guard.ts';
export type { WebhookDeps } from './webhook-deps.ts';
export { WEBHOOK_EVENT_TYPES } from './webhook-event-types.ts';
