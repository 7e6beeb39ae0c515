import { Webhook } from 'standardwebhooks';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/database.ts';
import {
  deliverAllDue,
  setupWebhookTestBed,
  type WebhookTestBed,
} from '../../test/webhook-fixtures.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/webhook-receiver.ts';
import { withTransaction } from '../db/transaction.ts';
import { cancelPayment } from '../payments/cancel-payment.ts';
import { recordPaymentEvent } from '../payments/payment-events.ts';
import { ATTEMPT_BODY_LIMIT } from './deliver-webhook.ts';
import { requestRedelivery } from './delivery-queries.ts';
import { generateEndpointSecret } from './endpoint-secrets.ts';
import {
  claimDueDeliveries,
  deliverWebhook,
  deliverWebhookThenClaimNext,
  dispatchPaymentEvents,
  type WebhookDeps,
} from './index.ts';

/** The headers a Standard Webhooks verifier needs, from a received request. */
function signedHeaders(headers: Record<string, unknown>): Record<string, string> {
  return {
    'webhook-id': String(headers['webhook-id']),
    'webhook-timestamp': String(headers['webhook-timestamp']),
    'webhook-signature': String(headers['webhook-signature']),
  };
}

describe.each(engines)('deliverWebhook on %s', (engine) => {
  let bed: WebhookTestBed;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    bed = await setupWebhookTestBed(engine);
    return () => bed.teardown();
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    // Each test starts with an empty outbox and no endpoints of earlier tests.
    await bed.db.updateTable('webhook_endpoints').set({ enabled: false }).execute();
    await bed.db.updateTable('payment_events').set({ dispatched_at: new Date() }).execute();
  });

  async function receiver(...args: Parameters<typeof startWebhookReceiver>) {
    const started = await startWebhookReceiver(...args);
    receivers.push(started);
    return started;
  }

  /** Dispatches the outbox and delivers the one delivery due, returning its id and result. */
  async function deliverOnce(deps: WebhookDeps) {
    await dispatchPaymentEvents(deps);
    const [id, ...rest] = await claimDueDeliveries(deps, { limit: 10 });
    expect(rest).toEqual([]);
    if (id === undefined) throw new Error('no delivery was due');
    return { id, result: await deliverWebhook(deps, id) };
  }

  const attemptsOf = (deliveryId: string) =>
    bed.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('delivery_id', '=', deliveryId)
      .orderBy('attempt')
      .execute();
  const deliveryRow = (id: string) =>
    bed.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('delivers an event signed so the standardwebhooks package verifies it, with the contract body', async () => {
    const hook = await receiver();
    const endpoint = await bed.createEndpoint({ url: hook.url });
    const paymentId = await bed.createTestPayment();
    const event = await bed.db
      .selectFrom('payment_events')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .executeTakeFirstOrThrow();

    const { id, result } = await deliverOnce(bed.deps());

    expect(result).toBe('delivered');
    const [request] = await hook.waitForRequests(1);
    if (!request) throw new Error('unreachable');
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toMatch(/^cTrip-Webhooks\/\d+\.\d+\.\d+/);
    expect(request.headers['webhook-id']).toBe(event.id);
    const verified = new Webhook(endpoint.secret).verify(
      request.body,
      signedHeaders(request.headers),
    );
    expect(verified).toMatchObject({
      id: event.id,
      type: 'payment.created',
      created_at: event.created_at.toISOString(),
      data: {
        id: paymentId,
        status: 'pending',
        exception: null,
        chain: 'devnet',
        chain_id: 31337,
        token: {
          symbol: 'USDC',
          address: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
          decimals: 6,
        },
        amount: '12.5',
        amount_base_units: '12500000',
        amount_received: '0',
        amount_received_base_units: '0',
        checkout_url: `https://pay.example.test/pay/${paymentId}`,
        confirmations: 0,
      },
    });
    expect(Object.keys(JSON.parse(request.body))).toEqual(['id', 'type', 'created_at', 'data']);
    // A signature made with another secret is refused: the check above is not vacuous.
    expect(() =>
      new Webhook(generateEndpointSecret()).verify(request.body, signedHeaders(request.headers)),
    ).toThrow();
    expect(await deliveryRow(id)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      last_status_code: 200,
      claimed_until: null,
    });
  });

  it('the body holds the payment as the event saw it, not as it is when sent', async () => {
    const hook = await receiver();
    await bed.createEndpoint({ url: hook.url });
    const paymentId = await bed.createTestPayment();
    await cancelPayment(bed.db, paymentId);

    await dispatchPaymentEvents(bed.deps());
    const ids = await claimDueDeliveries(bed.deps(), { limit: 10 });
    expect(ids).toHaveLength(1); // payment.canceled waits for payment.created
    expect(await deliverWebhook(bed.deps(), ids[0] as string)).toBe('delivered');
    const [next] = await claimDueDeliveries(bed.deps(), { limit: 10 });
    expect(await deliverWebhook(bed.deps(), next as string)).toBe('delivered');

    const bodies = (await hook.waitForRequests(2)).map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => [b.type, b.data.status])).toEqual([
      ['payment.created', 'pending'],
      ['payment.canceled', 'canceled'],
    ]);
  });

  it("once a payment's delivery is done, claims the payment's next one to send at once; none when nothing waits", async () => {
    const hook = await receiver();
    await bed.createEndpoint({ url: hook.url });
    const paymentId = await bed.createTestPayment();
    await cancelPayment(bed.db, paymentId);
    const alone = await bed.createTestPayment();

    await dispatchPaymentEvents(bed.deps());
    const claimed = await claimDueDeliveries(bed.deps(), { limit: 10 });
    expect(claimed).toHaveLength(2); // payment.canceled waits for payment.created
    const ofPayment = await bed.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'payment_id', 'event_type'])
      .where('payment_id', 'in', [paymentId, alone])
      .orderBy('event_id')
      .execute();
    const [created, canceled] = ofPayment.filter((d) => d.payment_id === paymentId);
    const ofAlone = ofPayment.find((d) => d.payment_id === alone);
    if (!created || !canceled || !ofAlone) throw new Error('expected three deliveries');

    expect(await deliverWebhookThenClaimNext(bed.deps(), created.id)).toEqual({
      result: 'delivered',
      next: canceled.id,
    });
    // Claimed for this caller: the dispatcher does not hand it out a second time.
    expect(await claimDueDeliveries(bed.deps(), { limit: 10 })).toEqual([]);
    expect(await deliverWebhookThenClaimNext(bed.deps(), canceled.id)).toEqual({
      result: 'delivered',
    });
    expect(await deliverWebhookThenClaimNext(bed.deps(), ofAlone.id)).toEqual({
      result: 'delivered',
    });
    const types = (await hook.waitForRequests(3)).map((r) => JSON.parse(r.body).type);
    expect(types.sort()).toEqual(['payment.canceled', 'payment.created', 'payment.created']);
  });

  it('signs with the old and the new secret during a rotation overlap, and only the new one after', async () => {
    const hook = await receiver();
    const oldSecret = generateEndpointSecret();
    const overlapping = await bed.createEndpoint({
      url: hook.url,
      previous: { secret: oldSecret, expiresAt: new Date(Date.now() + 3_600_000) },
    });
    await bed.createTestPayment();
    expect((await deliverOnce(bed.deps())).result).toBe('delivered');
    const [during] = await hook.waitForRequests(1);
    if (!during) throw new Error('unreachable');
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, overlapping.secret]) {
      expect(new Webhook(secret).verify(during.body, signedHeaders(during.headers))).toBeTruthy();
    }

    await bed.db
      .updateTable('webhook_endpoints')
      .set({ previous_secret_expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', overlapping.id)
      .execute();
    await bed.createTestPayment();
    expect((await deliverOnce(bed.deps())).result).toBe('delivered');
    const after = (await hook.waitForRequests(2))[1];
    if (!after) throw new Error('unreachable');
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(
      new Webhook(overlapping.secret).verify(after.body, signedHeaders(after.headers)),
    ).toBeTruthy();
    expect(() => new Webhook(oldSecret).verify(after.body, signedHeaders(after.headers))).toThrow();
  });

  it('retries a receiver that answered 500 and delivers when it answers 200', async () => {
    const hook = await receiver({ replies: [{ status: 500, body: 'database down' }, 200] });
    await bed.createEndpoint({ url: hook.url });
    await bed.createTestPayment();

    const before = Date.now();
    const first = await deliverOnce(bed.deps());
    expect(first.result).toBe('retry');
    const waiting = await deliveryRow(first.id);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, last_status_code: 500 });
    // The production schedule: the first retry about 5 s later (±20 %), not due before.
    const delay = (waiting.next_attempt_at as Date).getTime() - before;
    expect(delay).toBeGreaterThanOrEqual(4_000);
    expect(delay).toBeLessThan(6_000 + (Date.now() - before));
    expect(await claimDueDeliveries(bed.deps(), { limit: 10 })).toEqual([]);

    // The retry is made due now instead of waiting 5 s.
    await bed.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: new Date() })
      .where('id', '=', first.id)
      .execute();
    const second = await deliverOnce(bed.deps());
    expect(second).toEqual({ id: first.id, result: 'delivered' });

    const requests = await hook.waitForRequests(2);
    expect(requests[1]?.body).toBe(requests[0]?.body);
    expect(requests[1]?.headers['webhook-id']).toBe(requests[0]?.headers['webhook-id']);
    expect(
      (await attemptsOf(first.id)).map((a) => [a.attempt, a.status_code, a.response_body, a.error]),
    ).toEqual([
      [1, 500, 'database down', null],
      [2, 200, '', null],
    ]);
    expect(await deliveryRow(first.id)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it("waits as long as a 429's Retry-After asks when that is longer than the schedule", async () => {
    const hook = await receiver({ replies: [{ status: 429, headers: { 'retry-after': '3600' } }] });
    await bed.createEndpoint({ url: hook.url });
    await bed.createTestPayment();
    const before = Date.now();
    const { id, result } = await deliverOnce(bed.deps());
    expect(result).toBe('retry');
    const row = await deliveryRow(id);
    const delay = (row.next_attempt_at as Date).getTime() - before;
    expect(delay).toBeGreaterThanOrEqual(3_600_000);
    expect(delay).toBeLessThan(3_600_000 + 5_000);
    expect(row.last_status_code).toBe(429);
  });

  it('does not retry a 400: the delivery fails after one attempt', async () => {
    const hook = await receiver({ replies: [{ status: 400, body: 'bad payload' }] });
    await bed.createEndpoint({ url: hook.url });
    await bed.createTestPayment();
    const { id, result } = await deliverOnce(bed.deps({ retrySchedule: [0, 0, 0] }));
    expect(result).toBe('failed');
    expect(await deliveryRow(id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_status_code: 400,
    });
    expect(await claimDueDeliveries(bed.deps(), { limit: 10 })).toEqual([]);
    expect(hook.requests).toHaveLength(1);
  });

  it('does not follow a redirect; a 3xx fails the delivery', async () => {
    const elsewhere = await receiver();
    const hook = await receiver({
      replies: [{ status: 307, headers: { location: elsewhere.url } }],
    });
    await bed.createEndpoint({ url: hook.url });
    await bed.createTestPayment();
    const { id, result } = await deliverOnce(bed.deps({ retrySchedule: [0, 0, 0] }));
    expect(result).toBe('failed');
    expect((await attemptsOf(id)).map((a) => a.status_code)).toEqual([307]);
    expect(hook.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('times out a receiver that hangs and schedules a retry', async () => {
    const hook = await receiver({ replies: ['hang'] });
    await bed.createEndpoint({ url: hook.url });
    await bed.createTestPayment();
    const started = Date.now();
    const { id, result } = await deliverOnce(bed.deps({ settings: { timeoutMs: 300 } }));
    expect(result).toBe('retry');
    expect(Date.now() - started).toBeLessThan(2_000);
    const [attempt] = await attemptsOf(id);
    expect(attempt?.status_code).toBeNull();
    expect(attempt?.error).toMatch(/within 300 ms/);
    expect(attempt?.duration_ms).toBeGreaterThanOrEqual(290);
    expect(await deliveryRow(id)).toMatchObject({ status: 'pending', attempts: 1 });
  });

  it('times out a receiver that sends its headers but stalls the body', async () => {
    const hook = await receiver({ replies: [{ status: 200, body: 'ok', bodyDelayMs: 5_000 }] });
    await bed.createEndpoint({ url: hook.url });
    await bed.createTestPayment();
    const { id, result } = await deliverOnce(bed.deps({ settings: { timeoutMs: 300 } }));
    expect(result).toBe('retry');
    expect((await attemptsOf(id))[0]?.error).toMatch(/within 300 ms/);
  });

  it('keeps the start of a long response body and its duration in the attempt row', async () => {
    const hook = await receiver({
      replies: [{ status: 503, body: 'x'.repeat(200_000), delayMs: 50 }],
    });
    await bed.createEndpoint({ url: hook.url });
    await bed.createTestPayment();
    const { id, result } = await deliverOnce(bed.deps());
    expect(result).toBe('retry');
    const [attempt] = await attemptsOf(id);
    expect(attempt?.status_code).toBe(503);
    expect(attempt?.response_body).toBe('x'.repeat(ATTEMPT_BODY_LIMIT));
    expect(attempt?.duration_ms).toBeGreaterThanOrEqual(45);
    expect(attempt?.error).toBeNull();
  });

  it('records a refused connection as an error and retries', async () => {
    const hook = await receiver();
    const closedUrl = hook.url;
    await hook.close();
    await bed.createEndpoint({ url: closedUrl });
    await bed.createTestPayment();
    const { id, result } = await deliverOnce(bed.deps());
    expect(result).toBe('retry');
    const [attempt] = await attemptsOf(id);
    expect(attempt?.status_code).toBeNull();
    expect(attempt?.error).toMatch(/ECONNREFUSED/);
  });

  it.each([
    ['an IP literal', (port: number) => `http://127.0.0.1:${port}/hook`],
    ['a name resolving to loopback', (port: number) => `http://localhost:${port}/hook`],
  ])(
    'refuses %s at delivery time when private URLs are not allowed; nothing reaches the receiver',
    async (_, urlOf) => {
      const hook = await receiver();
      await bed.createEndpoint({ url: urlOf(hook.port) });
      await bed.createTestPayment();
      const { id, result } = await deliverOnce(
        bed.deps({ settings: { allowPrivateUrls: false }, retrySchedule: [0, 0] }),
      );
      expect(result).toBe('failed');
      expect((await attemptsOf(id))[0]?.error).toMatch(/WEBHOOK_URL_REFUSED/);
      // Give a request that slipped through time to arrive.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(hook.requests).toHaveLength(0);
    },
  );

  it('records an attempt once when two processes send the same attempt', async () => {
    // A failure keeps the delivery pending, so only the attempt count tells the two apart.
    const hook = await receiver({ replies: [{ status: 500, delayMs: 100 }] });
    await bed.createEndpoint({ url: hook.url });
    await bed.createTestPayment();
    await dispatchPaymentEvents(bed.deps());
    const [id] = await claimDueDeliveries(bed.deps(), { limit: 10 });
    const results = await Promise.all([
      deliverWebhook(bed.deps(), id as string),
      deliverWebhook(bed.deps(), id as string),
    ]);
    expect(hook.requests).toHaveLength(2);
    expect(results.sort()).toEqual(['retry', 'skipped']);
    expect(await attemptsOf(id as string)).toHaveLength(1);
    expect(await deliveryRow(id as string)).toMatchObject({ attempts: 1, status: 'pending' });
  });

  it('marks an endpoint failing on its first failure and clears it on a success', async () => {
    const hook = await receiver({ replies: [500, 200] });
    const endpoint = await bed.createEndpoint({ url: hook.url });
    await bed.createTestPayment();
    const deps = bed.deps({ retrySchedule: [0] });
    const failingSince = () =>
      bed.db
        .selectFrom('webhook_endpoints')
        .select(['failing_since', 'enabled'])
        .where('id', '=', endpoint.id)
        .executeTakeFirstOrThrow();
    expect((await deliverOnce(deps)).result).toBe('retry');
    expect((await failingSince()).failing_since).toBeInstanceOf(Date);
    expect((await deliverOnce(deps)).result).toBe('delivered');
    expect(await failingSince()).toEqual({ failing_since: null, enabled: true });
  });

  it('disables an endpoint that keeps failing past disableAfterFailingMs; it then gets nothing', async () => {
    const hook = await receiver({ replies: [500] });
    const endpoint = await bed.createEndpoint({ url: hook.url });
    let now = new Date();
    const deps = bed.deps({
      retrySchedule: [0, 0, 0, 0],
      settings: { disableAfterFailingMs: 60_000 },
      now: () => now,
    });
    await bed.createTestPayment();
    expect((await deliverOnce(deps)).result).toBe('retry');
    now = new Date(now.getTime() + 30_000);
    expect((await deliverOnce(deps)).result).toBe('retry');
    const still = await bed.db
      .selectFrom('webhook_endpoints')
      .select(['enabled', 'disabled_reason'])
      .where('id', '=', endpoint.id)
      .executeTakeFirstOrThrow();
    expect(still).toEqual({ enabled: true, disabled_reason: null });

    now = new Date(now.getTime() + 31_000);
    expect((await deliverOnce(deps)).result).toBe('retry');
    const disabled = await bed.db
      .selectFrom('webhook_endpoints')
      .select(['enabled', 'disabled_reason'])
      .where('id', '=', endpoint.id)
      .executeTakeFirstOrThrow();
    expect(disabled).toEqual({ enabled: false, disabled_reason: 'failing' });
    expect(bed.logs.some((l) => l.message.includes('endpoint disabled'))).toBe(true);

    // Its pending delivery is no longer due, and new events are not fanned out to it.
    await bed.createTestPayment();
    await dispatchPaymentEvents(deps);
    expect(await claimDueDeliveries(deps, { limit: 10 })).toEqual([]);
    expect(hook.requests).toHaveLength(3);
  });

  const endpointState = (id: string) =>
    bed.db
      .selectFrom('webhook_endpoints')
      .select(['enabled', 'disabled_reason', 'failing_since'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('a failure after days of silence starts a new run: one 503 six days after a 400 does not disable the endpoint', async () => {
    const hook = await receiver({ replies: [400, 503] });
    const endpoint = await bed.createEndpoint({ url: hook.url });
    const start = new Date();
    let now = start;
    const deps = bed.deps({ now: () => now });
    await bed.createTestPayment();
    expect((await deliverOnce(deps)).result).toBe('failed');

    now = new Date(start.getTime() + 6 * 86_400_000);
    await bed.createTestPayment();
    expect((await deliverOnce(deps)).result).toBe('retry');
    expect(await endpointState(endpoint.id)).toEqual({
      enabled: true,
      disabled_reason: null,
      failing_since: now,
    });
  });

  it('disables a dead endpoint when a delivery uses up the real retry schedule, before disableAfterFailingMs (5 days)', async () => {
    const hook = await receiver({ replies: [503] });
    const endpoint = await bed.createEndpoint({ url: hook.url });
    let now = new Date();
    const deps = bed.deps({ now: () => now });
    await bed.createTestPayment();
    const results: string[] = [];
    for (;;) {
      const { id, result } = await deliverOnce(deps);
      results.push(result);
      if (result !== 'retry') break;
      // The next attempt comes exactly when the (jittered) schedule says.
      now = (await deliveryRow(id)).next_attempt_at as Date;
      expect(await endpointState(endpoint.id)).toMatchObject({ enabled: true });
    }
    expect(results).toEqual([...Array(9).fill('retry'), 'failed']);
    expect(await endpointState(endpoint.id)).toMatchObject({
      enabled: false,
      disabled_reason: 'failing',
    });
    expect(hook.requests).toHaveLength(10);
  });

  it('does not disable an endpoint whose delivery used up its retries while other deliveries to it succeeded', async () => {
    let dead = '';
    const hook = await receiver({
      replies: (request) =>
        (JSON.parse(request.body) as { data: { id: string } }).data.id === dead ? 503 : 200,
    });
    const endpoint = await bed.createEndpoint({ url: hook.url });
    const deps = bed.deps({ retrySchedule: [0, 0] });
    dead = await bed.createTestPayment();
    expect((await deliverOnce(deps)).result).toBe('retry');
    await bed.createTestPayment();
    // The dead payment's delivery fails twice more (the last gives up); the other succeeds.
    expect((await deliverAllDue(deps)).sort()).toEqual(['delivered', 'failed', 'retry']);
    expect(await endpointState(endpoint.id)).toMatchObject({ enabled: true });
  });

  it('a redelivery asked for while an attempt is in flight is sent; the in-flight attempt is logged too', async () => {
    const hook = await receiver({ replies: [{ status: 400, delayMs: 300 }, 200] });
    const endpoint = await bed.createEndpoint({ url: hook.url });
    await bed.createTestPayment();
    const deps = bed.deps();
    await dispatchPaymentEvents(deps);
    const [id] = await claimDueDeliveries(deps, { limit: 10 });
    if (id === undefined) throw new Error('no delivery was due');
    const inFlight = deliverWebhook(deps, id);
    await hook.waitForRequests(1);
    const { store_id } = await bed.db
      .selectFrom('webhook_endpoints')
      .select('store_id')
      .where('id', '=', endpoint.id)
      .executeTakeFirstOrThrow();
    await requestRedelivery(bed.db, { storeId: store_id, deliveryId: id });

    expect(await inFlight).toBe('retry');
    expect(await deliveryRow(id)).toMatchObject({ status: 'pending', attempts: 1 });
    expect((await deliverOnce(deps)).result).toBe('delivered');
    expect((await attemptsOf(id)).map((a) => [a.attempt, a.status_code])).toEqual([
      [1, 400],
      [2, 200],
    ]);
    expect(await deliveryRow(id)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('logs each attempt with the host only, never the secret, the path or the body', async () => {
    const hook = await receiver({ replies: [{ status: 500, body: 'receiver-internal-detail' }] });
    const endpoint = await bed.createEndpoint({ url: `${hook.url}?token=query-secret` });
    await bed.createTestPayment();
    bed.logs.length = 0;
    await deliverOnce(bed.deps());
    expect(bed.logs).toHaveLength(1);
    const [line] = bed.logs;
    expect(line?.fields).toMatchObject({
      endpointId: endpoint.id,
      host: `127.0.0.1:${hook.port}`,
      statusCode: 500,
      attempt: 1,
    });
    expect(typeof line?.fields.durationMs).toBe('number');
    const text = JSON.stringify(bed.logs);
    for (const secret of [
      endpoint.secret,
      endpoint.secret.slice(6),
      'query-secret',
      'receiver-internal-detail',
      '/hook',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('never delivers an event written in a transaction that rolled back', async () => {
    const hook = await receiver();
    await bed.createEndpoint({ url: hook.url });
    const paymentId = await bed.createTestPayment();
    const snapshot = {
      status: 'detected' as const,
      exception: null,
      amount: 12_500_000n,
      amountReceived: 12_500_000n,
      confirmations: 0,
    };
    await expect(
      withTransaction(bed.db, async (trx) => {
        await recordPaymentEvent(trx, paymentId, 'payment.detected', snapshot, 'pending');
        throw new Error('the change failed after the event was written');
      }),
    ).rejects.toThrow('the change failed');

    expect(await deliverAllDue(bed.deps())).toEqual(['delivered']);
    const types = hook.requests.map((r) => JSON.parse(r.body).type);
    expect(types).toEqual(['payment.created']);
  });
});
