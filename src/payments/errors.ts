import { CtripError } from '../errors.ts';

export type PaymentErrorCode =
  | 'PAYMENT_NOT_FOUND'
  | 'PAYMENT_NOT_CANCELABLE'
  | 'PAYMENT_INVALID_EXPIRY'
  | 'PAYMENT_INVALID_REFERENCE'
  | 'CHAIN_NOT_FOUND'
  | 'TOKEN_NOT_FOUND'
  | 'TOKEN_DISABLED';

/** A payment request or change the domain refuses; nothing was written. */
export class PaymentError extends CtripError {
  declare readonly code: PaymentErrorCode;

  constructor(code: PaymentErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { details });
  }
}
