import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/database.ts';
import {
  deliverAllDue,
  setupWebhookTestBed,
  type WebhookTestBed,
} from '../../test/webhook-fixtures.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/webhook-receiver.ts';
import { withTransaction } from '../db/transaction.ts';
import { type PaymentEventType, recordPaymentEvent } from '../payments/payment-events.ts';
import type { PaymentStatus } from '../payments/payment-status.ts';
import { createStore } from '../stores/store-store.ts';
import { dispatchPaymentEvents } from './index.ts';

/** Records an event of `paymentId` the way a status change does, in a transaction of its own. */
async function recordEvent(
  bed: WebhookTestBed,
  paymentId: string,
  type: PaymentEventType,
  status: PaymentStatus,
  received = 0n,
) {
  await withTransaction(bed.db, (trx) =>
    recordPaymentEvent(
      trx,
      paymentId,
      type,
      { status, exception: null, amount: 12_500_000n, amountReceived: received, confirmations: 1 },
      'pending',
    ),
  );
}

describe.each(engines)('webhook fan-out and order on %s', (engine) => {
  let bed: WebhookTestBed;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    bed = await setupWebhookTestBed(engine);
    return () => bed.teardown();
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await bed.db.updateTable('webhook_endpoints').set({ enabled: false }).execute();
    await bed.db.updateTable('payment_events').set({ dispatched_at: new Date() }).execute();
  });

  async function receiver(...args: Parameters<typeof startWebhookReceiver>) {
    const started = await startWebhookReceiver(...args);
    receivers.push(started);
    return started;
  }

  const typesOf = (hook: WebhookReceiver) =>
    hook.requests.map((r) => JSON.parse(r.body) as { type: string; data: { id: string } });

  it("delivers a payment's events in order, each once, to every enabled endpoint whose filter takes them", async () => {
    const all = await receiver();
    const confirmedOnly = await receiver();
    const disabled = await receiver();
    const otherStoresHook = await receiver();
    await bed.createEndpoint({ url: all.url });
    await bed.createEndpoint({ url: confirmedOnly.url, eventTypes: ['payment.confirmed'] });
    await bed.createEndpoint({ url: disabled.url, enabled: false });
    const otherStore = await createStore(bed.db, `other-${Date.now()}`);
    await bed.createEndpoint({ url: otherStoresHook.url, storeId: otherStore.id });

    const paymentId = await bed.createTestPayment();
    await recordEvent(bed, paymentId, 'payment.detected', 'detected', 12_500_000n);
    await recordEvent(bed, paymentId, 'payment.confirmed', 'confirmed', 12_500_000n);

    const results = await deliverAllDue(bed.deps());
    expect(results).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(typesOf(all).map((b) => b.type)).toEqual([
      'payment.created',
      'payment.detected',
      'payment.confirmed',
    ]);
    expect(typesOf(confirmedOnly).map((b) => b.type)).toEqual(['payment.confirmed']);
    expect(disabled.requests).toHaveLength(0);
    expect(otherStoresHook.requests).toHaveLength(0);
    // Each event once: a second run finds nothing.
    expect(await deliverAllDue(bed.deps())).toEqual([]);
    expect(all.requests).toHaveLength(3);
    // Events of the time it was disabled are not owed to it once it is enabled again.
    await bed.db
      .updateTable('webhook_endpoints')
      .set({ enabled: true })
      .where('url', '=', disabled.url)
      .execute();
    expect(await deliverAllDue(bed.deps())).toEqual([]);
    expect(disabled.requests).toHaveLength(0);
  });

  it("holds a payment's later events back while an earlier one is being retried; other payments go on", async () => {
    const a = await bed.createTestPayment();
    const b = await bed.createTestPayment();
    // Payment A's payment.created fails once.
    let failed = false;
    const hook = await receiver({
      replies: (request) => {
        if (failed || JSON.parse(request.body).data.id !== a) return 200;
        failed = true;
        return 500;
      },
    });
    await bed.createEndpoint({ url: hook.url });
    await recordEvent(bed, a, 'payment.detected', 'detected');
    await recordEvent(bed, b, 'payment.detected', 'detected');
    const deps = bed.deps({ retrySchedule: [300] });

    const first = await deliverAllDue(deps);
    expect(first.sort()).toEqual(['delivered', 'delivered', 'retry']);
    const sent = typesOf(hook).map((body) => `${body.data.id === a ? 'a' : 'b'}:${body.type}`);
    expect(sent.sort()).toEqual(['a:payment.created', 'b:payment.created', 'b:payment.detected']);

    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await deliverAllDue(deps)).toEqual(['delivered', 'delivered']);
    const toA = typesOf(hook)
      .filter((body) => body.data.id === a)
      .map((body) => body.type);
    // The failed first try, its retry, and only then the next event.
    expect(toA).toEqual(['payment.created', 'payment.created', 'payment.detected']);
  });

  it('keeps per-payment order and fans each event out once with several dispatchers at once', async () => {
    await bed.createEndpoint({ url: 'http://127.0.0.1:9/unused' });
    const payments = [await bed.createTestPayment(), await bed.createTestPayment()];
    for (const paymentId of payments) {
      for (let i = 0; i < 5; i++) await recordEvent(bed, paymentId, 'payment.detected', 'detected');
    }
    const deps = bed.deps();
    // Small batches so that the dispatchers interleave within one payment's events.
    for (let round = 0; round < 20; round++) {
      const counts = await Promise.all(
        [1, 2, 3].map(() => dispatchPaymentEvents(deps, { limit: 2 })),
      );
      if (counts.every((n) => n === 0)) break;
    }
    const events = await bed.db
      .selectFrom('payment_events')
      .select(['id', 'payment_id', 'dispatched_at'])
      .where('payment_id', 'in', payments)
      .orderBy('id')
      .execute();
    expect(events).toHaveLength(12);
    expect(events.every((e) => e.dispatched_at !== null)).toBe(true);
    const deliveries = await bed.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'event_id', 'payment_id'])
      .where('payment_id', 'in', payments)
      .orderBy('id')
      .execute();
    expect(deliveries.map((d) => d.event_id).sort()).toEqual(events.map((e) => e.id).sort());
    for (const paymentId of payments) {
      // Delivery ids (the order deliveries go out in) follow event order within a payment.
      expect(deliveries.filter((d) => d.payment_id === paymentId).map((d) => d.event_id)).toEqual(
        events.filter((e) => e.payment_id === paymentId).map((e) => e.id),
      );
    }
  });

  it('marks events dispatched even when no endpoint wants them, so the outbox drains', async () => {
    const paymentId = await bed.createTestPayment();
    expect(await dispatchPaymentEvents(bed.deps())).toBe(1);
    expect(await dispatchPaymentEvents(bed.deps())).toBe(0);
    const deliveries = await bed.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('payment_id', '=', paymentId)
      .execute();
    expect(deliveries).toEqual([]);
  });
});
