import { describe, expect, it } from 'vitest';
import {
  type EvaluatedTransfer,
  type EvaluatePaymentParams,
  evaluatePayment,
} from './evaluate-payment.ts';
import { eventsForChange, type PaymentSnapshot } from './payment-events.ts';

const EXPIRES_AT = new Date('2030-01-01T12:00:00.000Z');
const BEFORE_EXPIRY = new Date('2030-01-01T11:00:00.000Z');
const AFTER_EXPIRY = new Date('2030-01-01T13:00:00.000Z');

/** A transfer of the payment's token, on time and confirmed, unless `fields` say otherwise. */
function transfer(amount: bigint, fields: Partial<EvaluatedTransfer> = {}): EvaluatedTransfer {
  return {
    amount,
    status: 'confirmed',
    confirmations: 12,
    blockNumber: 100n,
    blockTime: BEFORE_EXPIRY,
    counts: true,
    ...fields,
  };
}

/** A pending payment of 100 base units, no tolerance, evaluated before expiry with `accept`. */
function evaluate(fields: Partial<EvaluatePaymentParams> = {}) {
  return evaluatePayment({
    status: 'pending',
    amount: 100n,
    expiresAt: EXPIRES_AT,
    underpaymentTolerance: 0n,
    transfers: [],
    now: BEFORE_EXPIRY,
    latePayments: 'accept',
    ...fields,
  });
}

describe('evaluatePayment', () => {
  it('leaves a payment with no transfers pending before its expiry', () => {
    expect(evaluate()).toEqual({
      status: 'pending',
      exception: null,
      amountReceived: 0n,
      confirmations: 0,
      detectedInBlock: null,
    });
  });

  it('expires a payment with no transfers once its expiry has passed', () => {
    expect(evaluate({ now: AFTER_EXPIRY })).toMatchObject({ status: 'expired', exception: null });
  });

  it('expires it at the very instant of expiry', () => {
    expect(evaluate({ now: EXPIRES_AT }).status).toBe('expired');
  });

  it('marks a partial payment before expiry detected, with no exception yet', () => {
    const state = evaluate({ transfers: [transfer(40n)] });
    expect(state).toMatchObject({ status: 'detected', exception: null, amountReceived: 40n });
  });

  it('marks the full amount detected while it is not confirmed', () => {
    const state = evaluate({
      transfers: [transfer(100n, { status: 'pending', confirmations: 1 })],
    });
    expect(state).toMatchObject({ status: 'detected', exception: null, confirmations: 1 });
  });

  it('confirms once the confirmed transfers add up to the amount', () => {
    const state = evaluate({ transfers: [transfer(60n), transfer(40n)] });
    expect(state).toMatchObject({ status: 'confirmed', exception: null, amountReceived: 100n });
  });

  it('does not confirm while part of the sum is still unconfirmed', () => {
    const state = evaluate({
      transfers: [transfer(60n), transfer(40n, { status: 'pending', confirmations: 0 })],
    });
    expect(state.status).toBe('detected');
  });

  it('keeps a confirmed payment confirmed when an unconfirmed extra transfer arrives, and flags it overpaid', () => {
    const state = evaluate({
      transfers: [transfer(100n), transfer(5n, { status: 'pending', confirmations: 0 })],
    });
    expect(state).toMatchObject({
      status: 'confirmed',
      exception: 'overpaid',
      amountReceived: 105n,
      confirmations: 0,
    });
  });

  it('does not count a removed transfer: a confirmed payment whose money left the chain goes back', () => {
    const removed = transfer(100n, { status: 'removed' });
    expect(evaluate({ transfers: [removed] })).toEqual({
      status: 'pending',
      exception: null,
      amountReceived: 0n,
      confirmations: 0,
      detectedInBlock: null,
    });
    expect(evaluate({ transfers: [removed], now: AFTER_EXPIRY }).status).toBe('expired');
  });

  it('counts what remains when only one of two transfers is removed', () => {
    const state = evaluate({ transfers: [transfer(100n, { status: 'removed' }), transfer(30n)] });
    expect(state).toMatchObject({ status: 'detected', amountReceived: 30n });
  });

  it('does not count a transfer of another token', () => {
    const other = transfer(100n, { counts: false });
    expect(evaluate({ transfers: [other] })).toMatchObject({
      status: 'pending',
      amountReceived: 0n,
      detectedInBlock: null,
    });
    expect(evaluate({ transfers: [other], now: AFTER_EXPIRY }).status).toBe('expired');
  });

  it('confirms a payment short by no more than the tolerance, flagged underpaid', () => {
    const state = evaluate({ underpaymentTolerance: 1n, transfers: [transfer(99n)] });
    expect(state).toMatchObject({
      status: 'confirmed',
      exception: 'underpaid',
      amountReceived: 99n,
    });
  });

  it('does not confirm a payment short by more than the tolerance', () => {
    const state = evaluate({ underpaymentTolerance: 1n, transfers: [transfer(98n)] });
    expect(state).toMatchObject({ status: 'detected', exception: null });
    const expired = evaluate({
      underpaymentTolerance: 1n,
      transfers: [transfer(98n)],
      now: AFTER_EXPIRY,
    });
    expect(expired).toMatchObject({ status: 'expired', exception: 'underpaid' });
  });

  it('never confirms on no money, however large the tolerance', () => {
    for (const tolerance of [100n, 1000n]) {
      expect(evaluate({ underpaymentTolerance: tolerance }).status).toBe('pending');
      expect(evaluate({ underpaymentTolerance: tolerance, now: AFTER_EXPIRY }).status).toBe(
        'expired',
      );
      expect(evaluate({ underpaymentTolerance: tolerance, transfers: [transfer(1n)] }).status).toBe(
        'confirmed',
      );
    }
  });

  it('keeps money sent before expiry on time when its confirmations come after expiry', () => {
    const unconfirmed = transfer(100n, { status: 'pending', confirmations: 1 });
    for (const latePayments of ['accept', 'flag'] as const) {
      const seen = evaluate({ transfers: [unconfirmed], now: AFTER_EXPIRY, latePayments });
      expect(seen).toMatchObject({ status: 'detected', exception: null });
      const confirmed = evaluate({ transfers: [transfer(100n)], now: AFTER_EXPIRY, latePayments });
      expect(confirmed).toMatchObject({ status: 'confirmed', exception: null });
    }
    // The scanner may lag: the expiry job already marked it expired, yet the money was on time.
    const afterExpiryJob = evaluate({
      status: 'expired',
      transfers: [transfer(100n)],
      now: AFTER_EXPIRY,
    });
    expect(afterExpiryJob).toMatchObject({ status: 'confirmed', exception: null });
  });

  it('lets late money confirm the payment under the accept policy, flagged late', () => {
    const late = transfer(100n, { blockTime: AFTER_EXPIRY });
    const state = evaluate({ status: 'expired', transfers: [late], now: AFTER_EXPIRY });
    expect(state).toMatchObject({ status: 'confirmed', exception: 'late', amountReceived: 100n });
  });

  it('keeps the payment expired on late money under the flag policy, flagged late', () => {
    const late = transfer(100n, { blockTime: AFTER_EXPIRY });
    const state = evaluate({
      status: 'expired',
      transfers: [late],
      now: AFTER_EXPIRY,
      latePayments: 'flag',
    });
    expect(state).toMatchObject({ status: 'expired', exception: 'late', amountReceived: 100n });
  });

  it('does not let late money complete on-time partial money under the flag policy', () => {
    const state = evaluate({
      transfers: [transfer(60n), transfer(40n, { blockTime: AFTER_EXPIRY })],
      now: AFTER_EXPIRY,
      latePayments: 'flag',
    });
    expect(state).toMatchObject({ status: 'expired', exception: 'late', amountReceived: 100n });
  });

  it('keeps a canceled payment canceled and flags money reaching it late', () => {
    expect(evaluate({ status: 'canceled' })).toMatchObject({ status: 'canceled', exception: null });
    const state = evaluate({ status: 'canceled', transfers: [transfer(100n)] });
    expect(state).toMatchObject({ status: 'canceled', exception: 'late', amountReceived: 100n });
  });

  it('keeps a settled payment settled while its money is still summed', () => {
    const state = evaluate({ status: 'settled', transfers: [transfer(100n), transfer(20n)] });
    expect(state).toMatchObject({ status: 'settled', exception: 'overpaid', amountReceived: 120n });
    const reorged = evaluate({
      status: 'settled',
      transfers: [transfer(100n, { status: 'removed' })],
    });
    expect(reorged).toMatchObject({ status: 'settled', amountReceived: 0n });
  });

  it('reports the fewest confirmations among the live transfers of the token', () => {
    const state = evaluate({
      transfers: [
        transfer(50n, { confirmations: 9 }),
        transfer(50n, { status: 'pending', confirmations: 4 }),
        transfer(50n, { status: 'removed', confirmations: 1 }),
        transfer(50n, { counts: false, confirmations: 2 }),
      ],
    });
    expect(state.confirmations).toBe(4);
  });

  it('reports the lowest block among the live transfers of the token as the detection block', () => {
    const state = evaluate({
      transfers: [
        transfer(10n, { blockNumber: 120n }),
        transfer(10n, { blockNumber: 105n }),
        transfer(10n, { blockNumber: 90n, status: 'removed' }),
        transfer(10n, { blockNumber: 80n, counts: false }),
        transfer(10n, { blockNumber: 110n }),
      ],
    });
    expect(state.detectedInBlock).toBe(105n);
  });
});

function snapshot(
  status: PaymentSnapshot['status'],
  exception: PaymentSnapshot['exception'] = null,
): PaymentSnapshot {
  return { status, exception, amount: 100n, amountReceived: 0n, confirmations: 0 };
}

describe('eventsForChange', () => {
  it('announces detection when money is first seen', () => {
    expect(eventsForChange(snapshot('pending'), snapshot('detected'))).toEqual([
      'payment.detected',
    ]);
  });

  it('announces confirmation of a detected payment', () => {
    expect(eventsForChange(snapshot('detected'), snapshot('confirmed'))).toEqual([
      'payment.confirmed',
    ]);
  });

  it('announces detection then confirmation when both happen in one step', () => {
    expect(eventsForChange(snapshot('pending'), snapshot('confirmed'))).toEqual([
      'payment.detected',
      'payment.confirmed',
    ]);
  });

  it.each(['pending', 'detected', 'expired'] as const)(
    'announces a confirmed payment falling back to %s as reverted',
    (to) => {
      expect(eventsForChange(snapshot('confirmed'), snapshot(to))).toEqual(['payment.reverted']);
    },
  );

  it('announces a detected payment falling back to pending as reverted', () => {
    expect(eventsForChange(snapshot('detected'), snapshot('pending'))).toEqual([
      'payment.reverted',
    ]);
  });

  it('announces expiry of a pending payment', () => {
    expect(eventsForChange(snapshot('pending'), snapshot('expired'))).toEqual(['payment.expired']);
  });

  it('announces nothing when neither status nor exception changes', () => {
    expect(eventsForChange(snapshot('detected'), snapshot('detected'))).toEqual([]);
  });

  it('announces a new exception after the status change', () => {
    expect(eventsForChange(snapshot('confirmed'), snapshot('confirmed', 'overpaid'))).toEqual([
      'payment.overpaid',
    ]);
    expect(eventsForChange(snapshot('detected'), snapshot('confirmed', 'underpaid'))).toEqual([
      'payment.confirmed',
      'payment.underpaid',
    ]);
    expect(eventsForChange(snapshot('expired'), snapshot('expired', 'late'))).toEqual([
      'payment.late',
    ]);
  });

  it('does not announce an exception again that was already there', () => {
    expect(
      eventsForChange(snapshot('confirmed', 'overpaid'), snapshot('confirmed', 'overpaid')),
    ).toEqual([]);
  });

  it('announces nothing when an exception clears', () => {
    expect(eventsForChange(snapshot('confirmed', 'overpaid'), snapshot('confirmed'))).toEqual([]);
  });
});
