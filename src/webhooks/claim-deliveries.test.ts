import { v7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/database.ts';
import { setupWebhookTestBed, type WebhookTestBed } from '../../test/webhook-fixtures.ts';
import { newId } from '../db/ids.ts';
import { withTransaction } from '../db/transaction.ts';
import {
  type PaymentSnapshot,
  recordPaymentEvent,
  recordPaymentEvents,
} from '../payments/payment-events.ts';
import { claimDueDeliveries, claimFollowingDelivery, dispatchPaymentEvents } from './index.ts';

const HOUR_MS = 3_600_000;
const DETECTED: PaymentSnapshot = {
  status: 'detected',
  exception: null,
  amount: 12_500_000n,
  amountReceived: 12_500_000n,
  confirmations: 1,
};

describe.each(engines)('claimDueDeliveries on %s', (engine) => {
  let bed: WebhookTestBed;

  beforeAll(async () => {
    bed = await setupWebhookTestBed(engine);
    return () => bed.teardown();
  });

  /** `count` payments with one due delivery each, to a fresh endpoint; returns the delivery ids. */
  async function dueDeliveries(count: number): Promise<string[]> {
    await bed.db.updateTable('webhook_endpoints').set({ enabled: false }).execute();
    const endpoint = await bed.createEndpoint({ url: 'http://127.0.0.1:9/unused' });
    for (let i = 0; i < count; i++) await bed.createTestPayment();
    while ((await dispatchPaymentEvents(bed.deps())) > 0);
    const rows = await bed.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('endpoint_id', '=', endpoint.id)
      .execute();
    return rows.map((r) => r.id);
  }

  it('never gives the same delivery to two claimers running at once', async () => {
    const ids = await dueDeliveries(60);
    const deps = bed.deps();
    const claims = await Promise.all(
      Array.from({ length: 6 }, () => claimDueDeliveries(deps, { limit: 15 })),
    );
    const claimed = claims.flat();
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort()).toEqual([...ids].sort());
  });

  it('a claim that lapsed (its worker died) is claimable again; a live one is not', async () => {
    const ids = await dueDeliveries(2);
    const deps = bed.deps();
    expect((await claimDueDeliveries(deps, { limit: 10, claimMs: 300 })).sort()).toEqual(
      ids.sort(),
    );
    expect(await claimDueDeliveries(deps, { limit: 10 })).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await claimDueDeliveries(deps, { limit: 10 })).sort()).toEqual(ids.sort());
  });

  it('the default claim outlasts the request timeout', async () => {
    const [id] = await dueDeliveries(1);
    const before = Date.now();
    await claimDueDeliveries(bed.deps({ settings: { timeoutMs: 10_000 } }), { limit: 10 });
    const row = await bed.db
      .selectFrom('webhook_deliveries')
      .select('claimed_until')
      .where('id', '=', id as string)
      .executeTakeFirstOrThrow();
    expect((row.claimed_until as Date).getTime() - before).toBeGreaterThan(10_000);
  });

  it('does not claim a delivery whose time has not come or whose endpoint is disabled', async () => {
    const [later, ofDisabled] = await dueDeliveries(2);
    await bed.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: new Date(Date.now() + 60_000) })
      .where('id', '=', later as string)
      .execute();
    const { endpoint_id } = await bed.db
      .selectFrom('webhook_deliveries')
      .select('endpoint_id')
      .where('id', '=', ofDisabled as string)
      .executeTakeFirstOrThrow();
    await bed.db
      .updateTable('webhook_endpoints')
      .set({ enabled: false })
      .where('id', '=', endpoint_id)
      .execute();
    expect(await claimDueDeliveries(bed.deps(), { limit: 10 })).toEqual([]);
  });

  /** A payment of its own to a fresh endpoint, with its `payment.created` event dispatched. */
  async function paymentWithEndpoint() {
    await bed.db.updateTable('webhook_endpoints').set({ enabled: false }).execute();
    const endpoint = await bed.createEndpoint({ url: 'http://127.0.0.1:9/unused' });
    const paymentId = await bed.createTestPayment();
    while ((await dispatchPaymentEvents(bed.deps())) > 0);
    await bed.db.deleteFrom('webhook_deliveries').where('payment_id', '=', paymentId).execute();
    return { endpointId: endpoint.id, paymentId };
  }

  const eventsOf = (paymentId: string) =>
    bed.db
      .selectFrom('payment_events')
      .select(['id', 'type'])
      .where('payment_id', '=', paymentId)
      .orderBy('id')
      .execute();

  it("orders a payment's deliveries by event, not by delivery id (a fan-out host's clock can lag)", async () => {
    const { endpointId, paymentId } = await paymentWithEndpoint();
    const [created] = await eventsOf(paymentId);
    await withTransaction(bed.db, (trx) =>
      recordPaymentEvent(trx, paymentId, 'payment.detected', DETECTED, 'pending'),
    );
    const detected = (await eventsOf(paymentId))[1];
    if (!created || !detected) throw new Error('expected two events');
    const delivery = (eventId: string, id: string) => ({
      id,
      endpoint_id: endpointId,
      event_id: eventId,
      payment_id: paymentId,
      event_type: 'payment.test',
      payload: '{}',
      next_attempt_at: new Date(Date.now() - 1000),
    });
    // The later event was fanned out by a process whose clock is an hour behind.
    const first = newId();
    await bed.db
      .insertInto('webhook_deliveries')
      .values([
        delivery(created.id, first),
        delivery(detected.id, v7({ msecs: Date.now() - HOUR_MS })),
      ])
      .execute();
    expect(await claimDueDeliveries(bed.deps(), { limit: 10 })).toEqual([first]);
  });

  it("a payment's events sort in the order written even after one from a host whose clock ran ahead", async () => {
    const { paymentId } = await paymentWithEndpoint();
    // Written by a process whose clock is an hour ahead.
    const ahead = v7({ msecs: Date.now() + HOUR_MS });
    await bed.db
      .insertInto('payment_events')
      .values({
        id: ahead,
        payment_id: paymentId,
        type: 'payment.detected',
        data: JSON.stringify({}),
        dispatched_at: new Date(),
      })
      .execute();
    await withTransaction(bed.db, async (trx) => {
      await recordPaymentEvent(trx, paymentId, 'payment.confirmed', DETECTED, 'detected');
      await recordPaymentEvents(trx, [
        { paymentId, type: 'payment.overpaid', snapshot: DETECTED, previousStatus: 'confirmed' },
        { paymentId, type: 'payment.settled', snapshot: DETECTED, previousStatus: 'confirmed' },
      ]);
    });
    expect((await eventsOf(paymentId)).map((e) => e.type)).toEqual([
      'payment.created',
      'payment.detected',
      'payment.confirmed',
      'payment.overpaid',
      'payment.settled',
    ]);
  });

  it("claims the payment's next delivery to the endpoint once the one before it is done, and nothing else", async () => {
    const { endpointId, paymentId } = await paymentWithEndpoint();
    const other = await bed.createTestPayment();
    await withTransaction(bed.db, async (trx) => {
      await recordPaymentEvent(trx, paymentId, 'payment.detected', DETECTED, 'pending');
      await recordPaymentEvent(trx, paymentId, 'payment.confirmed', DETECTED, 'detected');
    });
    while ((await dispatchPaymentEvents(bed.deps())) > 0);
    const deliveries = await bed.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'payment_id', 'event_type'])
      .where('endpoint_id', '=', endpointId)
      .orderBy('event_id')
      .execute();
    const ofPayment = deliveries.filter((d) => d.payment_id === paymentId);
    expect(ofPayment.map((d) => d.event_type)).toEqual(['payment.detected', 'payment.confirmed']);
    expect(deliveries.some((d) => d.payment_id === other)).toBe(true);
    const [detected, confirmed] = ofPayment.map((d) => d.id) as [string, string];

    // payment.detected is claimed (being sent): payment.confirmed waits behind it.
    const firstRound = await claimDueDeliveries(bed.deps(), { limit: 10 });
    expect(firstRound).toContain(detected);
    expect(firstRound).not.toContain(confirmed);
    // Only payment.detected stays claimed: the rest go back to waiting for the dispatcher.
    await bed.db
      .updateTable('webhook_deliveries')
      .set({ claimed_until: null })
      .where('id', '!=', detected)
      .execute();
    expect(await claimFollowingDelivery(bed.deps(), detected)).toBeUndefined();
    await bed.db
      .updateTable('webhook_deliveries')
      .set({ status: 'delivered', delivered_at: new Date() })
      .where('id', '=', detected)
      .execute();
    // Done: the next one of the same payment is claimed, not the other payment's delivery.
    expect(await claimFollowingDelivery(bed.deps(), detected)).toBe(confirmed);
    expect(await claimFollowingDelivery(bed.deps(), detected)).toBeUndefined();
    // The other payment's delivery was left for the dispatcher.
    const otherDelivery = deliveries.find((d) => d.payment_id === other)?.id;
    expect(await claimDueDeliveries(bed.deps(), { limit: 100 })).toContain(otherDelivery);
  });
});
