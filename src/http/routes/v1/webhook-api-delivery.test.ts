import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi, type TestApiKey } from '../../../../test/api.ts';
import { engines } from '../../../../test/database.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../../../test/webhook-receiver.ts';
import { newId } from '../../../db/ids.ts';
import { createLogger } from '../../../logger.ts';
import { createStore } from '../../../stores/index.ts';
import {
  claimDueDeliveries,
  deliverWebhook,
  dispatchPaymentEvents,
  type WebhookDeps,
} from '../../../webhooks/index.ts';

/**
 * What the management API does, seen by a real receiver: the secret the API showed verifies
 * real deliveries, a rotation signs with both secrets during its overlap, and a redelivery
 * requested through the API is sent again by the delivery engine.
 */
describe.each(engines)('webhook API and real deliveries on %s', (engine) => {
  let api: TestApi;
  let receiver: WebhookReceiver;
  let deps: WebhookDeps;

  beforeAll(async () => {
    api = await startTestApi(engine);
    receiver = await startWebhookReceiver();
    deps = {
      db: api.db,
      settings: api.settings.webhooks,
      secretKey: api.settings.secretKey,
      publicUrl: api.settings.http.publicUrl,
      chains: api.chains,
      logger: createLogger('silent'),
    };
  });
  afterAll(async () => {
    await receiver?.close();
    await api?.teardown();
  });

  /** Keys of a new store: one for payments, one for webhooks. */
  const newStore = async () => {
    const store = await createStore(api.db, `store-${newId().slice(-12)}`);
    return {
      payments: await api.keys.create(['payments:read', 'payments:write'], store.id),
      hooks: await api.keys.create(['webhooks:manage'], store.id),
    };
  };
  const send = (method: 'GET' | 'POST' | 'PATCH', url: string, as: TestApiKey, payload?: object) =>
    api.app.inject({ method, url, headers: as.headers, ...(payload ? { payload } : {}) });
  /** What a worker does: fan the outbox out, then send every due delivery once. */
  const runWorker = async () => {
    await dispatchPaymentEvents(deps);
    const ids = await claimDueDeliveries(deps, { limit: 100 });
    for (const id of ids) await deliverWebhook(deps, id);
    return ids.length;
  };
  const verifies = (secret: string, request: { body: string; headers: object }) => {
    try {
      new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  };

  it('delivers what the filter names, signed with the secret shown at creation; redelivery and rotation reach the receiver', async () => {
    const keys = await newStore();
    const created = await send('POST', '/v1/webhook-endpoints', keys.hooks, {
      url: receiver.url,
      event_types: ['payment.canceled'],
    });
    expect(created.statusCode, created.body).toBe(201);
    const endpoint = created.json() as { id: string; secret: string };

    const payment = (
      await send('POST', '/v1/payments', keys.payments, {
        chain: 'devnet',
        token: 'USDC',
        amount: '1',
      })
    ).json() as { id: string };
    expect(
      (await send('POST', `/v1/payments/${payment.id}/cancel`, keys.payments)).statusCode,
    ).toBe(200);
    const seen = receiver.requests.length;
    expect(await runWorker()).toBe(1);
    const [first] = (await receiver.waitForRequests(seen + 1)).slice(seen);
    if (!first) throw new Error('no delivery');
    // payment.created is filtered out: only the cancel arrives.
    expect(JSON.parse(first.body)).toMatchObject({
      type: 'payment.canceled',
      data: { id: payment.id, status: 'canceled' },
    });
    expect(verifies(endpoint.secret, first)).toBe(true);

    const log = (
      await send('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`, keys.hooks)
    ).json() as { data: { id: string; status: string; attempts: { status_code: number }[] }[] };
    expect(log.data).toHaveLength(1);
    const delivery = log.data[0] as (typeof log.data)[number];
    expect(delivery).toMatchObject({ status: 'delivered', attempts: [{ status_code: 200 }] });

    // Rotated with an overlap: the redelivery carries both signatures.
    const rotated = (
      await send('POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, keys.hooks, {
        overlap_seconds: 3600,
      })
    ).json() as { secret: string };
    const redelivered = await send(
      'POST',
      `/v1/webhook-deliveries/${delivery.id}/redeliver`,
      keys.hooks,
    );
    expect(redelivered.statusCode, redelivered.body).toBe(202);
    expect(await runWorker()).toBe(1);
    const second = (await receiver.waitForRequests(seen + 2))[seen + 1];
    if (!second) throw new Error('no redelivery');
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.body).toBe(first.body);
    expect(String(second.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifies(rotated.secret, second)).toBe(true);
    expect(verifies(endpoint.secret, second)).toBe(true);

    // Rotated with no overlap: the old secret no longer verifies anything.
    const immediate = (
      await send('POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, keys.hooks, {
        overlap_seconds: 0,
      })
    ).json() as { secret: string };
    await send('POST', `/v1/webhook-deliveries/${delivery.id}/redeliver`, keys.hooks);
    expect(await runWorker()).toBe(1);
    const third = (await receiver.waitForRequests(seen + 3))[seen + 2];
    if (!third) throw new Error('no second redelivery');
    expect(verifies(immediate.secret, third)).toBe(true);
    expect(verifies(rotated.secret, third)).toBe(false);
    expect(verifies(endpoint.secret, third)).toBe(false);

    const after = (await send('GET', `/v1/webhook-deliveries/${delivery.id}`, keys.hooks)).json();
    expect(after).toMatchObject({ status: 'delivered', attempt_count: 3 });
    expect(after.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2, 3]);
  });

  it('a disabled endpoint gets nothing until it is enabled again through the API', async () => {
    const keys = await newStore();
    const endpoint = (
      await send('POST', '/v1/webhook-endpoints', keys.hooks, { url: receiver.url })
    ).json() as { id: string };
    const payment = (
      await send('POST', '/v1/payments', keys.payments, {
        chain: 'devnet',
        token: 'USDC',
        amount: '2',
      })
    ).json() as { id: string };
    await runWorker();
    const delivery = (
      await send('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`, keys.hooks)
    ).json().data[0] as { id: string; status: string };
    expect(delivery.status).toBe('delivered');

    await send('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, keys.hooks, { enabled: false });
    await send('POST', `/v1/webhook-deliveries/${delivery.id}/redeliver`, keys.hooks);
    const seen = receiver.requests.length;
    expect(await runWorker()).toBe(0);
    expect(receiver.requests.length).toBe(seen);

    await send('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, keys.hooks, { enabled: true });
    expect(await runWorker()).toBe(1);
    const [again] = (await receiver.waitForRequests(seen + 1)).slice(seen);
    expect(JSON.parse(again?.body ?? '{}')).toMatchObject({ data: { id: payment.id } });
  });
});
