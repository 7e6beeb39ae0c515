import type { Transaction } from 'kysely';
import { v7 } from 'uuid';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import type { PaymentException, PaymentStatus } from './payment-status.ts';

export type PaymentEventType =
  | 'payment.created'
  | 'payment.detected'
  | 'payment.confirmed'
  | 'payment.expired'
  | 'payment.canceled'
  | 'payment.reverted'
  | 'payment.settled'
  | 'payment.late'
  | 'payment.underpaid'
  | 'payment.overpaid';

/** What an event row's `data` holds: the payment as the change left it. Amounts as decimal strings of base units. */
export interface PaymentEventData {
  readonly status: PaymentStatus;
  readonly previous_status: PaymentStatus | null;
  readonly exception: PaymentException | null;
  readonly amount: string;
  readonly amount_received: string;
  readonly confirmations: number;
}

export interface PaymentSnapshot {
  readonly status: PaymentStatus;
  readonly exception: PaymentException | null;
  readonly amount: bigint;
  readonly amountReceived: bigint;
  readonly confirmations: number;
}

/** The events a change from `before` to `after` announces, in the order they happened. */
export function eventsForChange(
  before: PaymentSnapshot,
  after: PaymentSnapshot,
): PaymentEventType[] {
  const events: PaymentEventType[] = [];
  if (before.status !== after.status) {
    if (isStepBack(before.status, after.status)) events.push('payment.reverted');
    else {
      // Money seen and confirmed within one scan step still announces that it was seen.
      if (after.status === 'confirmed' && before.status !== 'detected')
        events.push('payment.detected');
      events.push(`payment.${after.status}` as PaymentEventType);
    }
  }
  if (after.exception !== null && after.exception !== before.exception) {
    events.push(`payment.${after.exception}`);
  }
  return events;
}

/** A payment that had money or confirmations and lost them: only a reorg does that. */
function isStepBack(from: PaymentStatus, to: PaymentStatus): boolean {
  if (from === 'confirmed') return to === 'detected' || to === 'pending' || to === 'expired';
  return from === 'detected' && to === 'pending';
}

export interface PendingEvent {
  readonly paymentId: string;
  readonly type: PaymentEventType;
  readonly snapshot: PaymentSnapshot;
  readonly previousStatus: PaymentStatus | null;
}

/** Writes outbox rows in one statement per batch; ids follow the order given. */
export async function recordPaymentEvents(
  trx: Transaction<Database>,
  events: readonly PendingEvent[],
): Promise<void> {
  const mint = await eventIdMinter(
    trx,
    events.map((event) => event.paymentId),
  );
  for (let i = 0; i < events.length; i += 500) {
    await trx
      .insertInto('payment_events')
      .values(
        events.slice(i, i + 500).map((event) => ({
          id: mint(event.paymentId),
          payment_id: event.paymentId,
          type: event.type,
          data: eventData(event.snapshot, event.previousStatus),
        })),
      )
      .execute();
  }
}

/**
 * Mints event ids that sort after every earlier event of the same payment, which webhooks rely
 * on for per-payment order. A UUIDv7 alone does not: events of one payment are written by
 * different processes (API, scanner, expirer, sweeper), possibly on hosts whose clocks
 * disagree. The writers of one payment's events take turns (they hold the payment's row lock,
 * or SQLite's write lock), so the latest committed id read here is the one to follow.
 */
async function eventIdMinter(
  trx: Transaction<Database>,
  paymentIds: readonly string[],
): Promise<(paymentId: string) => string> {
  const latest = new Map<string, string>();
  const unique = [...new Set(paymentIds)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await trx
      .selectFrom('payment_events')
      .select(['payment_id', 'id'])
      .where('payment_id', 'in', unique.slice(i, i + 500))
      .execute();
    for (const row of rows) {
      const seen = latest.get(row.payment_id);
      if (seen === undefined || row.id > seen) latest.set(row.payment_id, row.id);
    }
  }
  return (paymentId) => {
    const previous = latest.get(paymentId);
    let id = newId();
    // The previous event came from a host whose clock is ahead: follow it by a millisecond.
    if (previous !== undefined && id <= previous) id = v7({ msecs: msecsOf(previous) + 1 });
    latest.set(paymentId, id);
    return id;
  };
}

function msecsOf(uuidV7: string): number {
  return Number.parseInt(uuidV7.replaceAll('-', '').slice(0, 12), 16);
}

function eventData(
  snapshot: PaymentSnapshot,
  previousStatus: PaymentStatus | null,
): PaymentEventData {
  return {
    status: snapshot.status,
    previous_status: previousStatus,
    exception: snapshot.exception,
    amount: snapshot.amount.toString(),
    amount_received: snapshot.amountReceived.toString(),
    confirmations: snapshot.confirmations,
  };
}

/** Writes one outbox row; call it in the transaction that made the change. */
export async function recordPaymentEvent(
  trx: Transaction<Database>,
  paymentId: string,
  type: PaymentEventType,
  snapshot: PaymentSnapshot,
  previousStatus: PaymentStatus | null,
): Promise<void> {
  // A payment's first event has nothing to follow: payment creation, a hot path, skips the read.
  const id =
    type === 'payment.created' ? newId() : (await eventIdMinter(trx, [paymentId]))(paymentId);
  await trx
    .insertInto('payment_events')
    .values({ id, payment_id: paymentId, type, data: eventData(snapshot, previousStatus) })
    .execute();
}
