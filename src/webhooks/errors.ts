import { CtripError } from '../errors.ts';

export type WebhookErrorCode =
  /** Not an absolute http(s) URL, or one with credentials in it. */
  | 'WEBHOOK_URL_INVALID'
  /** The URL resolves to a loopback, private or link-local address and those are not allowed. */
  | 'WEBHOOK_URL_REFUSED'
  | 'WEBHOOK_ENDPOINT_NOT_FOUND'
  | 'WEBHOOK_DELIVERY_NOT_FOUND'
  /** An event filter names a type cTrip does not send. */
  | 'WEBHOOK_EVENT_TYPE_UNKNOWN';

/** A webhook request or change the domain refuses; nothing was written. */
export class WebhookError extends CtripError {
  declare readonly code: WebhookErrorCode;

  constructor(code: WebhookErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { details });
  }
}
