import type { Transaction } from 'kysely';
import { engineOf } from '../db/column-sql.ts';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import { withTransaction } from '../db/transaction.ts';
import { getPaymentsById, type PaymentRow } from '../payments/payment-queries.ts';
import { clockOf, type WebhookDeps } from './webhook-deps.ts';
import { buildWebhookPayload } from './webhook-payload.ts';

const DEFAULT_BATCH = 500;
const INSERT_CHUNK = 500;

/**
 * Fans committed outbox events out into deliveries: one per enabled endpoint of the payment's
 * store whose filter takes the event type; then marks the events dispatched. One batch (the
 * oldest `limit` undispatched events) per call, in one transaction; returns how many events
 * it dispatched (0: nothing to do now).
 *
 * Safe with many dispatchers at once: on PostgreSQL each locks its batch with SKIP LOCKED, and
 * an event is only fanned out after every earlier undispatched event of its payment, so two
 * dispatchers never split one payment's events and deliver them out of order. An event is
 * visible here only once the transaction that wrote it has committed; a rolled-back one never
 * existed.
 */
export async function dispatchPaymentEvents(
  deps: WebhookDeps,
  options: { readonly limit?: number } = {},
): Promise<number> {
  const limit = options.limit ?? DEFAULT_BATCH;
  return withTransaction(deps.db, async (trx) => {
    const now = clockOf(deps);
    const events = await readyEvents(trx, limit);
    if (events.length === 0) return 0;

    const payments = await getPaymentsById(trx, [...new Set(events.map((e) => e.payment_id))]);
    const storeIds = [...new Set([...payments.values()].map((p) => p.store_id))];
    const endpoints = await trx
      .selectFrom('webhook_endpoints')
      .select(['id', 'store_id', 'event_types'])
      .where('enabled', '=', true)
      .where('store_id', 'in', storeIds)
      .orderBy('id')
      .execute();

    const context = { publicUrl: deps.publicUrl, chains: deps.chains };
    const deliveries = [];
    for (const event of events) {
      const payment = payments.get(event.payment_id) as PaymentRow;
      const targets = endpoints.filter(
        (e) =>
          e.store_id === payment.store_id &&
          (e.event_types === null || e.event_types.includes(event.type)),
      );
      if (targets.length === 0) continue;
      const payload = buildWebhookPayload(event, payment, context);
      for (const endpoint of targets) {
        deliveries.push({
          id: newId(),
          endpoint_id: endpoint.id,
          event_id: event.id,
          payment_id: event.payment_id,
          event_type: event.type,
          payload,
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          created_at: now,
          updated_at: now,
        });
      }
    }
    for (let i = 0; i < deliveries.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('webhook_deliveries')
        .values(deliveries.slice(i, i + INSERT_CHUNK))
        .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
        .execute();
    }
    await trx
      .updateTable('payment_events')
      .set({ dispatched_at: now })
      .where(
        'id',
        'in',
        events.map((e) => e.id),
      )
      .execute();
    return events.length;
  });
}

/**
 * The oldest undispatched events this transaction may fan out: locked for it (PostgreSQL:
 * others' locked rows are skipped, not waited for), minus every event of a payment that has
 * an earlier undispatched event outside the batch (another dispatcher holds it, or the batch
 * ended before it).
 */
async function readyEvents(trx: Transaction<Database>, limit: number) {
  let query = trx
    .selectFrom('payment_events')
    .select(['id', 'payment_id', 'type', 'data', 'created_at'])
    .where('dispatched_at', 'is', null)
    .orderBy('id')
    .limit(limit);
  // SQLite needs no row lock: every transaction here holds the database's write lock.
  if (engineOf(trx) === 'postgres') query = query.forUpdate().skipLocked();
  const batch = await query.execute();
  if (batch.length === 0) return batch;

  const inBatch = new Set(batch.map((e) => e.id));
  const waiting = await trx
    .selectFrom('payment_events')
    .select(['id', 'payment_id'])
    .where('dispatched_at', 'is', null)
    .where('payment_id', 'in', [...new Set(batch.map((e) => e.payment_id))])
    .orderBy('id')
    .execute();
  const blocked = new Set<string>();
  const ready = new Set<string>();
  for (const event of waiting) {
    if (blocked.has(event.payment_id)) continue;
    if (inBatch.has(event.id)) ready.add(event.id);
    else blocked.add(event.payment_id);
  }
  return batch.filter((e) => ready.has(e.id));
}
