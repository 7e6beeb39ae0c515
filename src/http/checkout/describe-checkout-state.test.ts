import { describe, expect, it } from 'vitest';
import {
  type DescribeCheckoutStateParams,
  describeCheckoutState,
} from './describe-checkout-state.ts';

const base: DescribeCheckoutStateParams = {
  status: 'pending',
  exception: null,
  amount: 10_000_000n,
  amountReceived: 0n,
  decimals: 6,
  symbol: 'USDC',
  chain: 'base',
  confirmations: 0,
  requiredConfirmations: 3,
};
const describeState = (overrides: Partial<DescribeCheckoutStateParams>) =>
  describeCheckoutState({ ...base, ...overrides });

describe('describeCheckoutState', () => {
  it('a pending payment asks for the exact amount on its chain and takes money', () => {
    const state = describeState({});
    expect(state).toMatchObject({ title: 'Waiting for payment', tone: 'waiting' });
    expect(state.message).toBe('Send exactly 10 USDC on base to the address below.');
    expect(state).toMatchObject({ acceptingPayment: true, final: false });
  });

  it('a partial payment says what arrived and asks for the rest as a decimal amount', () => {
    const state = describeState({ status: 'detected', amountReceived: 4_250_000n });
    expect(state.title).toBe('Partial payment received');
    expect(state.message).toContain('Received 4.25 USDC of 10 USDC');
    expect(state.message).toContain('Send the remaining 5.75 USDC to the same address');
    expect(state).toMatchObject({ tone: 'warning', acceptingPayment: true, final: false });
  });

  it('the full amount awaiting confirmations shows the progress and takes no more money', () => {
    const state = describeState({
      status: 'detected',
      amountReceived: 10_000_000n,
      confirmations: 1,
    });
    expect(state.title).toBe('Payment detected');
    expect(state.message).toContain('Waiting for confirmations on base: 1 of 3.');
    expect(state).toMatchObject({ tone: 'progress', acceptingPayment: false, final: false });
  });

  it('a chain that waits for finalized blocks shows no depth', () => {
    const state = describeState({
      status: 'detected',
      amountReceived: 10_000_000n,
      requiredConfirmations: null,
    });
    expect(state.message).toContain('Waiting for the base network to finalize it');
  });

  it('a confirmed payment is final; an overpaid one names the excess', () => {
    expect(describeState({ status: 'confirmed', amountReceived: 10_000_000n })).toMatchObject({
      title: 'Payment confirmed',
      tone: 'success',
      acceptingPayment: false,
      final: true,
    });
    const overpaid = describeState({
      status: 'settled',
      exception: 'overpaid',
      amountReceived: 12_000_000n,
    });
    expect(overpaid.message).toContain('You sent 2 USDC more than the 10 USDC due');
    expect(overpaid.message).toContain('contact the merchant');
  });

  it('an expired payment without money says not to pay and to ask for a new link', () => {
    const state = describeState({ status: 'expired' });
    expect(state.title).toBe('Payment expired');
    expect(state.message).toContain('Do not send money to this address');
    expect(state.message).toContain('ask the merchant for a new payment link');
    // Money sent just before the expiry may still confirm it: the page keeps listening.
    expect(state).toMatchObject({ tone: 'error', acceptingPayment: false, final: false });
  });

  it('an underpaid expired payment says how much came and to contact the merchant', () => {
    const state = describeState({
      status: 'expired',
      exception: 'underpaid',
      amountReceived: 3_000_000n,
    });
    expect(state.title).toBe('Payment expired before the full amount arrived');
    expect(state.message).toContain('with 3 USDC of 10 USDC received');
    expect(state.message).toContain('Contact the merchant');
  });

  it('late money on an expired payment says it arrived late', () => {
    const state = describeState({ status: 'expired', exception: 'late', amountReceived: 1n });
    expect(state.title).toBe('Payment arrived late');
    expect(state.message).toContain('0.000001 USDC arrived after the payment expired');
  });

  it('a canceled payment is final and says not to pay, or to ask for money that still came', () => {
    expect(describeState({ status: 'canceled' })).toMatchObject({
      title: 'Payment canceled',
      message: 'The merchant canceled this payment. Do not send money to its address.',
      acceptingPayment: false,
      final: true,
    });
    const late = describeState({ status: 'canceled', exception: 'late', amountReceived: 5n });
    expect(late.message).toContain('but 0.000005 USDC arrived afterwards');
  });
});
