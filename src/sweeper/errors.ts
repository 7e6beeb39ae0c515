import { CtripError } from '../errors.ts';

export type SweeperErrorCode =
  /** The process holds no key to sign with: an xpub-only deriver, or no usable hot wallet key. */
  | 'SWEEP_KEYS_UNAVAILABLE'
  /** Another process took the chain's sweep lease while this pass ran; the pass stopped. */
  | 'SWEEP_LEASE_LOST'
  /** The sweep transaction was mined but reverted: the money is still at the deposit address. */
  | 'SWEEP_REVERTED'
  /** A gas top-up was mined but reverted; the sweep goes back to pending and tops up again. */
  | 'SWEEP_TOP_UP_REVERTED'
  /** A transaction that is not cTrip's used the nonce of a stored one, which can never be mined. */
  | 'SWEEP_NONCE_TAKEN'
  /** The deposit address holds less than the token's min_sweep: the sweep waits. */
  | 'SWEEP_BELOW_MINIMUM'
  /** The hot wallet cannot pay an address's gas top-up: the sweep waits until it is funded. */
  | 'SWEEP_HOT_WALLET_SHORT'
  /** The payment is no longer confirmed (a reorg): nothing is sent until it is again. */
  | 'SWEEP_PAYMENT_NOT_CONFIRMED'
  /** A node refused a stored transaction; it is broadcast again on the next pass. */
  | 'SWEEP_BROADCAST_REFUSED';

/** Moving money to the treasury failed or has to wait; the message carries no key. */
export class SweeperError extends CtripError {
  declare readonly code: SweeperErrorCode;

  constructor(
    code: SweeperErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(code, message, options);
  }
}
