import { formatTokenAmount } from '../../amounts.ts';
import type { PaymentException, PaymentStatus } from '../../payments/payment-status.ts';

/** How the page colours the status: a hint for sighted payers, never the only signal. */
export type CheckoutTone = 'waiting' | 'progress' | 'success' | 'warning' | 'error';

export interface DescribeCheckoutStateParams {
  readonly status: PaymentStatus;
  readonly exception: PaymentException | null;
  /** In base units. */
  readonly amount: bigint;
  readonly amountReceived: bigint;
  readonly decimals: number;
  readonly symbol: string;
  readonly chain: string;
  readonly confirmations: number;
  /** The depth the chain requires; null when it waits for a safe or finalized block instead. */
  readonly requiredConfirmations: number | null;
}

export interface CheckoutState {
  readonly title: string;
  /** What happened and what the payer should do now. */
  readonly message: string;
  readonly tone: CheckoutTone;
  /** Whether the payer should (still) send money: the deposit address is shown only then. */
  readonly acceptingPayment: boolean;
  /** Whether the payer's part is over: live updates stop and the page stays as it is. */
  readonly final: boolean;
}

/**
 * What the checkout page tells the payer about a payment, in one place: the server renders
 * it into the page and sends it with every live update, so the page reads the same with or
 * without JavaScript.
 */
export function describeCheckoutState(params: DescribeCheckoutStateParams): CheckoutState {
  const units = (value: bigint) => `${formatTokenAmount(value, params.decimals)} ${params.symbol}`;
  const amount = units(params.amount);
  const received = units(params.amountReceived);
  const { status, exception } = params;

  if (status === 'confirmed' || status === 'settled') {
    const extra =
      exception === 'overpaid'
        ? ` You sent ${units(params.amountReceived - params.amount)} more than the ${amount} due: contact the merchant about the difference.`
        : '';
    return {
      title: 'Payment confirmed',
      message: `Thank you: ${received} arrived and is confirmed.${extra}`,
      tone: 'success',
      acceptingPayment: false,
      final: true,
    };
  }
  if (status === 'canceled') {
    const message =
      params.amountReceived > 0n
        ? `The merchant canceled this payment, but ${received} arrived afterwards. Contact the merchant to get it back; do not send more.`
        : 'The merchant canceled this payment. Do not send money to its address.';
    return {
      title: 'Payment canceled',
      message,
      tone: 'error',
      acceptingPayment: false,
      final: true,
    };
  }
  if (status === 'expired') {
    if (exception === 'late') {
      return closed(
        'Payment arrived late',
        `${received} arrived after the payment expired. Contact the merchant to complete or refund it; do not send more.`,
      );
    }
    if (params.amountReceived > 0n) {
      return closed(
        'Payment expired before the full amount arrived',
        `The payment expired with ${received} of ${amount} received. Contact the merchant to complete or refund it; do not send more.`,
      );
    }
    return closed(
      'Payment expired',
      'The time to pay ran out before any money arrived. Do not send money to this address; ask the merchant for a new payment link.',
    );
  }
  if (status === 'detected' && params.amountReceived < params.amount) {
    return {
      title: 'Partial payment received',
      message: `Received ${received} of ${amount}. Send the remaining ${units(params.amount - params.amountReceived)} to the same address before the time runs out.`,
      tone: 'warning',
      acceptingPayment: true,
      final: false,
    };
  }
  if (status === 'detected') {
    const progress =
      params.requiredConfirmations === null
        ? `Waiting for the ${params.chain} network to finalize it (${params.confirmations} confirmations so far).`
        : `Waiting for confirmations on ${params.chain}: ${Math.min(params.confirmations, params.requiredConfirmations)} of ${params.requiredConfirmations}.`;
    return {
      title: 'Payment detected',
      message: `${received} arrived. ${progress} There is nothing more to do.`,
      tone: 'progress',
      acceptingPayment: false,
      final: false,
    };
  }
  return {
    title: 'Waiting for payment',
    message: `Send exactly ${amount} on ${params.chain} to the address below.`,
    tone: 'waiting',
    acceptingPayment: true,
    final: false,
  };
}

// Not final: with late payments accepted, money sent just before expiry can still confirm it.
function closed(title: string, message: string): CheckoutState {
  return { title, message, tone: 'error', acceptingPayment: false, final: false };
}
