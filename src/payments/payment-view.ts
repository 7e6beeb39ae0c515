import { formatTokenAmount } from '../amounts.ts';
import type { ChainConfig } from '../config/chains-file.ts';
import type { listPaymentEvents, listPaymentTransfers, PaymentRow } from './payment-queries.ts';

export interface PaymentViewContext {
  readonly publicUrl: string;
  readonly chains: readonly ChainConfig[];
}

/**
 * An EIP-681 payment request: wallets that scan it prefill the transfer. Native coin:
 * `ethereum:<to>@<chainId>?value=<wei>`; ERC-20: a call of `transfer(address,uint256)`.
 */
export function paymentUri(payment: PaymentRow, chainId: number | undefined): string {
  const chain = chainId === undefined ? '' : `@${chainId}`;
  const due =
    payment.amount > payment.amount_received ? payment.amount - payment.amount_received : 0n;
  if (payment.token_address === null) {
    return `ethereum:${payment.address}${chain}?value=${due}`;
  }
  return `ethereum:${payment.token_address}${chain}/transfer?address=${payment.address}&uint256=${due}`;
}

/** A payment as the API returns it: amounts as decimal strings in token units and in base units. */
export function toPaymentView(payment: PaymentRow, context: PaymentViewContext) {
  const chainId = context.chains.find((c) => c.name === payment.chain)?.chainId;
  const decimals = payment.token_decimals;
  return {
    id: payment.id,
    status: payment.status,
    exception: payment.exception,
    chain: payment.chain,
    chain_id: chainId ?? null,
    token: {
      symbol: payment.token_symbol,
      address: payment.token_address,
      decimals,
    },
    amount: formatTokenAmount(payment.amount, decimals),
    amount_base_units: payment.amount.toString(),
    amount_received: formatTokenAmount(payment.amount_received, decimals),
    amount_received_base_units: payment.amount_received.toString(),
    address: payment.address,
    payment_uri: paymentUri(payment, chainId),
    checkout_url: `${context.publicUrl}/pay/${payment.id}`,
    confirmations: payment.confirmations,
    reference: payment.reference,
    metadata: (payment.metadata ?? null) as Record<string, unknown> | null,
    redirect_url: payment.redirect_url,
    expires_at: payment.expires_at.toISOString(),
    confirmed_at: payment.confirmed_at?.toISOString() ?? null,
    created_at: payment.created_at.toISOString(),
    updated_at: payment.updated_at.toISOString(),
  };
}

export type PaymentView = ReturnType<typeof toPaymentView>;

export function toTransferView(transfer: Awaited<ReturnType<typeof listPaymentTransfers>>[number]) {
  return {
    tx_hash: transfer.tx_hash,
    log_index: transfer.log_index,
    from: transfer.from_address,
    token: {
      symbol: transfer.symbol,
      address: transfer.token_address,
      decimals: transfer.decimals,
    },
    amount: formatTokenAmount(transfer.amount, transfer.decimals),
    amount_base_units: transfer.amount.toString(),
    block_number: transfer.block_number.toString(),
    block_hash: transfer.block_hash,
    block_time: transfer.block_time.toISOString(),
    confirmations: transfer.confirmations,
    status: transfer.status,
  };
}

export function toEventView(event: Awaited<ReturnType<typeof listPaymentEvents>>[number]) {
  return {
    id: event.id,
    type: event.type,
    data: event.data as Record<string, unknown>,
    created_at: event.created_at.toISOString(),
  };
}
