import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectProblem,
  leaksInternals,
  startTestApi,
  type TestApi,
  type TestApiKey,
} from '../../../../test/api.ts';
import { engines } from '../../../../test/database.ts';
import { paymentRow } from '../../../../test/rows.ts';
import { newId } from '../../../db/ids.ts';
import { createStore } from '../../../stores/index.ts';

interface DeliveryBody {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  payment_id: string;
  status: 'pending' | 'delivered' | 'failed';
  attempt_count: number;
  next_attempt_at: string | null;
  delivered_at: string | null;
  payload: unknown;
  created_at: string;
  updated_at: string;
  attempts: {
    attempt: number;
    started_at: string;
    duration_ms: number;
    status_code: number | null;
    response_body: string | null;
    error: string | null;
  }[];
}

type DeliveryFields = {
  status?: 'pending' | 'delivered' | 'failed';
  attempts?: number;
  next_attempt_at?: Date | null;
  claimed_until?: Date | null;
  delivered_at?: Date | null;
};

const HOUR_MS = 3_600_000;

describe.each(engines)('webhook deliveries API on %s', (engine) => {
  let api: TestApi;
  let key: TestApiKey;
  let tokenId: string;

  beforeAll(async () => {
    api = await startTestApi(engine);
    key = await api.keys.create(['webhooks:manage']);
    tokenId = (
      await api.db
        .selectFrom('tokens')
        .select('id')
        .where('chain', '=', 'devnet')
        .executeTakeFirstOrThrow()
    ).id;
    return async () => {
      expect(api.bodies.filter(leaksInternals)).toEqual([]);
      await api.teardown();
    };
  });

  const call = (
    method: 'GET' | 'POST',
    url: string,
    as: { headers: Record<string, string> } = key,
  ) => api.app.inject({ method, url, headers: as.headers });
  const createEndpoint = async (as = key) => {
    const response = await api.app.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers: as.headers,
      payload: { url: 'https://shop.example/hooks' },
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  };
  const newStoreKey = async () => {
    const store = await createStore(api.db, `store-${newId().slice(-12)}`);
    return api.keys.create(['webhooks:manage'], store.id);
  };
  const insertPayment = async (storeId = key.storeId) => {
    const row = paymentRow(tokenId, { chain: 'devnet', store_id: storeId });
    await api.db.insertInto('payments').values(row).execute();
    return row.id;
  };
  /** An event of the payment and its delivery to the endpoint, as the dispatcher writes them. */
  const insertDelivery = async (
    endpointId: string,
    paymentId: string,
    type: string,
    fields: DeliveryFields = {},
  ) => {
    const eventId = newId();
    const createdAt = new Date();
    await api.db
      .insertInto('payment_events')
      .values({
        id: eventId,
        payment_id: paymentId,
        type,
        data: { status: 'pending' },
        created_at: createdAt,
        dispatched_at: createdAt,
      })
      .execute();
    const id = newId();
    await api.db
      .insertInto('webhook_deliveries')
      .values({
        id,
        endpoint_id: endpointId,
        event_id: eventId,
        payment_id: paymentId,
        event_type: type,
        payload: JSON.stringify({
          id: eventId,
          type,
          created_at: createdAt.toISOString(),
          data: { id: paymentId },
        }),
        status: fields.status ?? 'pending',
        attempts: fields.attempts ?? 0,
        next_attempt_at: 'next_attempt_at' in fields ? fields.next_attempt_at : createdAt,
        claimed_until: fields.claimed_until ?? null,
        delivered_at: fields.delivered_at ?? null,
        created_at: createdAt,
        updated_at: createdAt,
      })
      .execute();
    return { id, eventId };
  };
  const insertAttempt = (
    deliveryId: string,
    attempt: number,
    fields: { status_code?: number | null; response_body?: string | null; error?: string | null },
  ) =>
    api.db
      .insertInto('webhook_attempts')
      .values({
        id: newId(),
        delivery_id: deliveryId,
        attempt,
        started_at: new Date(Date.UTC(2026, 10, 27, 12, 0, attempt)),
        duration_ms: 100 * attempt,
        status_code: fields.status_code ?? null,
        response_body: fields.response_body ?? null,
        error: fields.error ?? null,
      })
      .execute();
  const deliveryRow = (id: string) =>
    api.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  describe('GET /v1/webhook-endpoints/:id/deliveries', () => {
    it('shows each delivery with its event, status, schedule and every attempt, oldest attempt first', async () => {
      const endpointId = await createEndpoint();
      const paymentId = await insertPayment();
      const nextAt = new Date(Date.now() + HOUR_MS);
      const { id, eventId } = await insertDelivery(endpointId, paymentId, 'payment.confirmed', {
        attempts: 2,
        next_attempt_at: nextAt,
      });
      // Written out of order: the listing orders by attempt number.
      await insertAttempt(id, 2, { error: 'timed out after 10000 ms' });
      await insertAttempt(id, 1, { status_code: 503, response_body: 'upstream down' });

      const response = await call('GET', `/v1/webhook-endpoints/${endpointId}/deliveries`);
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json() as { data: DeliveryBody[]; has_more: boolean };
      expect(page).toEqual({
        data: [
          {
            id,
            endpoint_id: endpointId,
            event_id: eventId,
            event_type: 'payment.confirmed',
            payment_id: paymentId,
            status: 'pending',
            attempt_count: 2,
            next_attempt_at: nextAt.toISOString(),
            delivered_at: null,
            payload: {
              id: eventId,
              type: 'payment.confirmed',
              created_at: expect.any(String),
              data: { id: paymentId },
            },
            created_at: expect.any(String),
            updated_at: expect.any(String),
            attempts: [
              {
                attempt: 1,
                started_at: '2026-11-27T12:00:01.000Z',
                duration_ms: 100,
                status_code: 503,
                response_body: 'upstream down',
                error: null,
              },
              {
                attempt: 2,
                started_at: '2026-11-27T12:00:02.000Z',
                duration_ms: 200,
                status_code: null,
                response_body: null,
                error: 'timed out after 10000 ms',
              },
            ],
          },
        ],
        has_more: false,
        next_cursor: null,
      });
    });

    it("pages newest first through the endpoint's deliveries only, and filters by status", async () => {
      const endpointId = await createEndpoint();
      const otherEndpoint = await createEndpoint();
      const paymentId = await insertPayment();
      const statuses = ['delivered', 'failed', 'pending', 'delivered', 'failed'] as const;
      const ids: string[] = [];
      for (const [i, status] of statuses.entries()) {
        const { id } = await insertDelivery(endpointId, paymentId, 'payment.detected', {
          status,
          attempts: 1,
        });
        await insertAttempt(id, 1, { status_code: status === 'delivered' ? 200 : 500 + i });
        ids.push(id);
      }
      await insertDelivery(otherEndpoint, paymentId, 'payment.detected');

      const seen: DeliveryBody[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `limit=2&cursor=${cursor}` : 'limit=2';
        const response = await call(
          'GET',
          `/v1/webhook-endpoints/${endpointId}/deliveries?${query}`,
        );
        expect(response.statusCode, response.body).toBe(200);
        const page = response.json();
        expect(page.data.length).toBeLessThanOrEqual(2);
        expect(page.has_more).toBe(page.next_cursor !== null);
        seen.push(...page.data);
        cursor = page.next_cursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen.map((d) => d.id)).toEqual([...ids].reverse());
      // Each delivery carries its own attempts, not its neighbours'.
      expect(seen.map((d) => d.attempts.map((a) => a.status_code))).toEqual([
        [504],
        [200],
        [502],
        [501],
        [200],
      ]);

      const failed = (
        await call('GET', `/v1/webhook-endpoints/${endpointId}/deliveries?status=failed`)
      ).json();
      expect(failed.data.map((d: DeliveryBody) => d.id)).toEqual([ids[4], ids[1]]);
      expectProblem(
        await call('GET', `/v1/webhook-endpoints/${endpointId}/deliveries?status=lost`),
        422,
        'VALIDATION_FAILED',
        'status',
      );
      expectProblem(
        await call('GET', `/v1/webhook-endpoints/${endpointId}/deliveries?cursor=x`),
        422,
        'VALIDATION_FAILED',
        'cursor',
      );
    });

    it('an endpoint with no deliveries has an empty log; an unknown one is a 404', async () => {
      const endpointId = await createEndpoint();
      expect((await call('GET', `/v1/webhook-endpoints/${endpointId}/deliveries`)).json()).toEqual({
        data: [],
        has_more: false,
        next_cursor: null,
      });
      expectProblem(
        await call('GET', `/v1/webhook-endpoints/${newId()}/deliveries`),
        404,
        'WEBHOOK_ENDPOINT_NOT_FOUND',
      );
    });

    it('deleting an endpoint deletes its deliveries and their attempts', async () => {
      const endpointId = await createEndpoint();
      const { id } = await insertDelivery(endpointId, await insertPayment(), 'payment.created');
      await insertAttempt(id, 1, { status_code: 500 });
      const deleted = await api.app.inject({
        method: 'DELETE',
        url: `/v1/webhook-endpoints/${endpointId}`,
        headers: key.headers,
      });
      expect(deleted.statusCode).toBe(204);
      const left = await api.db
        .selectFrom('webhook_attempts')
        .select('id')
        .where('delivery_id', '=', id)
        .execute();
      expect(left).toEqual([]);
      expectProblem(
        await call('GET', `/v1/webhook-deliveries/${id}`),
        404,
        'WEBHOOK_DELIVERY_NOT_FOUND',
      );
    });
  });

  describe('POST /v1/webhook-deliveries/:id/redeliver', () => {
    it.each([
      ['delivered', { status: 'delivered', attempts: 1, next_attempt_at: null }],
      ['failed', { status: 'failed', attempts: 8, next_attempt_at: null }],
      [
        'waiting for a retry and claimed by a worker',
        {
          status: 'pending',
          attempts: 3,
          next_attempt_at: new Date(Date.now() + 5 * HOUR_MS),
          claimed_until: new Date(Date.now() + 60_000),
        },
      ],
    ] as [string, DeliveryFields][])(
      'makes a delivery that is %s due now: 202, pending, unclaimed, attempts counted on',
      async (_, fields) => {
        const endpointId = await createEndpoint();
        const { id } = await insertDelivery(
          endpointId,
          await insertPayment(),
          'payment.confirmed',
          {
            ...fields,
            delivered_at: fields.status === 'delivered' ? new Date(Date.now() - HOUR_MS) : null,
          },
        );
        await insertAttempt(id, 1, { status_code: fields.status === 'delivered' ? 200 : 500 });
        const before = Date.now();
        const response = await call('POST', `/v1/webhook-deliveries/${id}/redeliver`);
        expect(response.statusCode, response.body).toBe(202);
        const body = response.json() as DeliveryBody;
        expect(body).toMatchObject({
          id,
          status: 'pending',
          attempt_count: fields.attempts,
          attempts: [{ attempt: 1 }],
        });
        const due = Date.parse(body.next_attempt_at ?? '');
        expect(due).toBeGreaterThanOrEqual(before - 1000);
        expect(due).toBeLessThanOrEqual(Date.now());

        const row = await deliveryRow(id);
        expect(row).toMatchObject({
          status: 'pending',
          claimed_until: null,
          attempts: fields.attempts,
        });
        expect(row.next_attempt_at?.getTime()).toBe(due);

        const shown = (await call('GET', `/v1/webhook-deliveries/${id}`)).json() as DeliveryBody;
        expect(shown).toEqual(body);
      },
    );

    it("another store's delivery is a 404 to read and to redeliver, and stays as it was", async () => {
      const other = await newStoreKey();
      const theirEndpoint = await createEndpoint(other);
      const { id } = await insertDelivery(
        theirEndpoint,
        await insertPayment(other.storeId),
        'payment.confirmed',
        { status: 'failed', attempts: 8, next_attempt_at: null },
      );
      const before = await deliveryRow(id);
      expectProblem(
        await call('POST', `/v1/webhook-deliveries/${id}/redeliver`),
        404,
        'WEBHOOK_DELIVERY_NOT_FOUND',
      );
      expectProblem(
        await call('GET', `/v1/webhook-deliveries/${id}`),
        404,
        'WEBHOOK_DELIVERY_NOT_FOUND',
      );
      expectProblem(
        await call('GET', `/v1/webhook-endpoints/${theirEndpoint}/deliveries`),
        404,
        'WEBHOOK_ENDPOINT_NOT_FOUND',
      );
      expect(await deliveryRow(id)).toEqual(before);
      // Their own key can.
      const redelivered = await call('POST', `/v1/webhook-deliveries/${id}/redeliver`, other);
      expect(redelivered.statusCode, redelivered.body).toBe(202);
      expect((await deliveryRow(id)).status).toBe('pending');
    });

    it('an unknown or malformed delivery id is a 404', async () => {
      for (const id of [newId(), 'not-an-id']) {
        expectProblem(
          await call('POST', `/v1/webhook-deliveries/${id}/redeliver`),
          404,
          'WEBHOOK_DELIVERY_NOT_FOUND',
        );
      }
    });
  });
});
