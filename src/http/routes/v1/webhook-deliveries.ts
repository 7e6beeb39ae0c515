import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  getDelivery,
  listDeliveries,
  requestRedelivery,
} from '../../../webhooks/delivery-queries.ts';
import type { AppDeps } from '../../app-deps.ts';
import { apiKeyOf, requireScope } from '../../plugins/authenticate.ts';
import { assertCursor } from './page-cursor.ts';
import {
  deliveryListView,
  deliveryView,
  errors,
  idParams,
  listDeliveriesQuery,
  TAGS,
  toDeliveryView,
} from './webhook-views.ts';

/** The delivery log of a store's endpoints, and redelivery on request. */
export function registerWebhookDeliveryRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const onRequest = requireScope(deps, 'webhooks:manage');

  api.get(
    '/v1/webhook-endpoints/:id/deliveries',
    {
      onRequest,
      schema: {
        tags: TAGS,
        summary: "List a webhook endpoint's deliveries with their attempts",
        description:
          'Newest first, a page at a time: pass next_cursor as cursor for the next page. Each delivery lists every request sent for it (status code, duration, the start of the response body, the error).',
        params: idParams,
        querystring: listDeliveriesQuery,
        response: { 200: deliveryListView, ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      assertCursor(cursor);
      const page = await listDeliveries(deps.db, {
        storeId: apiKeyOf(request).storeId,
        endpointId: request.params.id,
        status,
        after: cursor,
        limit,
      });
      const last = page.rows[page.rows.length - 1];
      return {
        data: page.rows.map(toDeliveryView),
        has_more: page.hasMore,
        next_cursor: page.hasMore && last ? last.id : null,
      };
    },
  );

  api.get(
    '/v1/webhook-deliveries/:id',
    {
      onRequest,
      schema: {
        tags: TAGS,
        summary: 'Get a webhook delivery with its attempts',
        params: idParams,
        response: { 200: deliveryView, ...errors },
      },
    },
    async (request) =>
      toDeliveryView(
        await getDelivery(deps.db, {
          storeId: apiKeyOf(request).storeId,
          deliveryId: request.params.id,
        }),
      ),
  );

  api.post(
    '/v1/webhook-deliveries/:id/redeliver',
    {
      onRequest,
      schema: {
        tags: TAGS,
        summary: 'Send a delivery again',
        description:
          'Whatever its status (delivered, failed, or waiting for a retry), the delivery is due again now; a worker sends it shortly, with the same body and event id (receivers deduplicate on webhook-id). 202: accepted, not yet sent.',
        params: idParams,
        response: { 202: deliveryView, ...errors },
      },
    },
    async (request, reply) => {
      const delivery = await requestRedelivery(deps.db, {
        storeId: apiKeyOf(request).storeId,
        deliveryId: request.params.id,
      });
      request.log.info({ deliveryId: delivery.id }, 'webhook redelivery requested');
      return reply.code(202).send(toDeliveryView(delivery));
    },
  );
}
