import { formatTokenAmount } from '../../amounts.ts';
import type { ChainConfig } from '../../config/chains-file.ts';
import type { PaymentRow } from '../../payments/payment-queries.ts';
import type { PaymentException, PaymentStatus } from '../../payments/payment-status.ts';
import { paymentUri } from '../../payments/payment-view.ts';
import { type CheckoutTone, describeCheckoutState } from './describe-checkout-state.ts';

/**
 * What the public checkout endpoints say about a payment. Only what the payer needs: never
 * the store, the reference, the metadata or anything else of the merchant's.
 */
export interface CheckoutStatus {
  readonly id: string;
  readonly status: PaymentStatus;
  readonly exception: PaymentException | null;
  readonly chain: string;
  readonly chain_id: number | null;
  readonly token: string;
  /** The token's contract; null for the chain's native coin. */
  readonly token_address: string | null;
  /** Decimal strings in token units. */
  readonly amount: string;
  readonly amount_received: string;
  readonly amount_remaining: string;
  readonly confirmations: number;
  /** Null when the chain waits for a safe or finalized block rather than a depth. */
  readonly required_confirmations: number | null;
  readonly expires_at: string;
  /** EIP-681, for the amount still due. */
  readonly payment_uri: string;
  /** Where to send the payer back: only once the payment is confirmed. */
  readonly redirect_url: string | null;
  readonly title: string;
  readonly message: string;
  readonly tone: CheckoutTone;
  readonly accepting_payment: boolean;
  readonly final: boolean;
}

/** The public view of a payment for the checkout page, its status endpoint and its live updates. */
export function toCheckoutStatus(
  payment: PaymentRow,
  chains: readonly ChainConfig[],
): CheckoutStatus {
  const chain = chains.find((c) => c.name === payment.chain);
  const required = chain?.confirmations.kind === 'depth' ? chain.confirmations.blocks : null;
  const decimals = payment.token_decimals;
  const status = payment.status as PaymentStatus;
  const exception = payment.exception as PaymentException | null;
  const remaining =
    payment.amount > payment.amount_received ? payment.amount - payment.amount_received : 0n;
  const state = describeCheckoutState({
    status,
    exception,
    amount: payment.amount,
    amountReceived: payment.amount_received,
    decimals,
    symbol: payment.token_symbol,
    chain: payment.chain,
    confirmations: payment.confirmations,
    requiredConfirmations: required,
  });
  const paid = status === 'confirmed' || status === 'settled';
  return {
    id: payment.id,
    status,
    exception,
    chain: payment.chain,
    chain_id: chain?.chainId ?? null,
    token: payment.token_symbol,
    token_address: payment.token_address,
    amount: formatTokenAmount(payment.amount, decimals),
    amount_received: formatTokenAmount(payment.amount_received, decimals),
    amount_remaining: formatTokenAmount(remaining, decimals),
    confirmations: payment.confirmations,
    required_confirmations: required,
    expires_at: payment.expires_at.toISOString(),
    payment_uri: paymentUri(payment, chain?.chainId),
    redirect_url: paid ? safeRedirectUrl(payment.redirect_url) : null,
    title: state.title,
    message: state.message,
    tone: state.tone,
    accepting_payment: state.acceptingPayment,
    final: state.final,
  };
}

/**
 * The API accepts only http(s) return URLs, but a payment made another way (CLI, an older
 * version) is checked again here: a `javascript:` link on a payment page would run script.
 */
function safeRedirectUrl(value: string | null): string | null {
  if (value === null) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? value : null;
  } catch {
    return null;
  }
}
