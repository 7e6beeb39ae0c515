import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createEndpoint,
  deleteEndpoint,
  type EndpointPolicy,
  getEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  updateEndpoint,
} from '../../../webhooks/endpoint-store.ts';
import type { AppDeps } from '../../app-deps.ts';
import { apiKeyOf, requireScope } from '../../plugins/authenticate.ts';
import { assertCursor } from './page-cursor.ts';
import {
  createEndpointBody,
  endpointListView,
  endpointView,
  endpointWithSecretView,
  errors,
  idParams,
  listEndpointsQuery,
  rotateSecretBody,
  TAGS,
  toEndpointView,
  updateEndpointBody,
} from './webhook-views.ts';

/** Where a store's webhooks go: CRUD of its endpoints and rotation of their secrets. */
export function registerWebhookEndpointRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const onRequest = requireScope(deps, 'webhooks:manage');
  const { allowPrivateUrls } = deps.settings.webhooks;
  const policy: EndpointPolicy = {
    secretKey: deps.settings.secretKey,
    allowPrivateUrls,
    // An operator who allows private receivers runs on-premise, where plain http is common.
    requireHttps: deps.settings.env === 'production' && !allowPrivateUrls,
  };

  api.post(
    '/v1/webhook-endpoints',
    {
      onRequest,
      schema: {
        tags: TAGS,
        summary: 'Register a webhook endpoint',
        description:
          "The answer holds the endpoint's signing secret (`whsec_…`): it is shown this once and never again. Verify deliveries with it as the Standard Webhooks specification describes.",
        body: createEndpointBody,
        response: { 201: endpointWithSecretView, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const created = await createEndpoint(
        deps.db,
        {
          storeId: apiKeyOf(request).storeId,
          url: body.url,
          description: body.description ?? null,
          eventTypes: body.event_types ?? null,
          enabled: body.enabled ?? true,
        },
        policy,
      );
      const endpoint = created.endpoint;
      request.log.info({ endpointId: endpoint.id }, 'webhook endpoint created');
      return reply
        .code(201)
        .header('location', `/v1/webhook-endpoints/${endpoint.id}`)
        .send({ ...toEndpointView(endpoint), secret: created.secret });
    },
  );

  api.get(
    '/v1/webhook-endpoints',
    {
      onRequest,
      schema: {
        tags: TAGS,
        summary: 'List webhook endpoints',
        description:
          'Newest first, a page at a time: pass next_cursor as cursor for the next page.',
        querystring: listEndpointsQuery,
        response: { 200: endpointListView, ...errors },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      assertCursor(cursor);
      const page = await listEndpoints(deps.db, {
        storeId: apiKeyOf(request).storeId,
        limit,
        after: cursor,
      });
      const last = page.rows[page.rows.length - 1];
      return {
        data: page.rows.map(toEndpointView),
        has_more: page.hasMore,
        next_cursor: page.hasMore && last ? last.id : null,
      };
    },
  );

  api.get(
    '/v1/webhook-endpoints/:id',
    {
      onRequest,
      schema: {
        tags: TAGS,
        summary: 'Get a webhook endpoint',
        params: idParams,
        response: { 200: endpointView, ...errors },
      },
    },
    async (request) =>
      toEndpointView(
        await getEndpoint(deps.db, { storeId: apiKeyOf(request).storeId, id: request.params.id }),
      ),
  );

  api.patch(
    '/v1/webhook-endpoints/:id',
    {
      onRequest,
      schema: {
        tags: TAGS,
        summary: 'Change a webhook endpoint',
        description:
          'Only the fields sent change. A new url is checked as at creation. enabled: true also re-enables an endpoint cTrip disabled after failing for days, and starts its failure clock over.',
        params: idParams,
        body: updateEndpointBody,
        response: { 200: endpointView, ...errors },
      },
    },
    async (request) => {
      const body = request.body;
      const endpoint = await updateEndpoint(
        deps.db,
        { storeId: apiKeyOf(request).storeId, id: request.params.id },
        {
          url: body.url,
          description: body.description,
          eventTypes: body.event_types,
          enabled: body.enabled,
        },
        policy,
      );
      return toEndpointView(endpoint);
    },
  );

  api.delete(
    '/v1/webhook-endpoints/:id',
    {
      onRequest,
      schema: {
        tags: TAGS,
        summary: 'Delete a webhook endpoint',
        description: 'Its pending deliveries are dropped and its delivery log with it.',
        params: idParams,
        response: { 204: z.null().describe('Deleted'), ...errors },
      },
    },
    async (request, reply) => {
      await deleteEndpoint(deps.db, { storeId: apiKeyOf(request).storeId, id: request.params.id });
      request.log.info({ endpointId: request.params.id }, 'webhook endpoint deleted');
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/v1/webhook-endpoints/:id/rotate-secret',
    {
      onRequest,
      schema: {
        tags: TAGS,
        summary: "Rotate a webhook endpoint's secret",
        description:
          'Returns the new secret, once. Until secret_rotation_ends_at every delivery carries two signatures, one with each secret, so the receiver can switch without missing one. overlap_seconds: 0 retires the old secret at once (use it when the secret leaked).',
        params: idParams,
        // A POST without a body arrives as null: the defaults apply.
        body: rotateSecretBody.nullish(),
        response: { 200: endpointWithSecretView, ...errors },
      },
    },
    async (request) => {
      const rotated = await rotateEndpointSecret(
        deps.db,
        { storeId: apiKeyOf(request).storeId, id: request.params.id },
        { overlapSeconds: request.body?.overlap_seconds, secretKey: deps.settings.secretKey },
      );
      request.log.info({ endpointId: rotated.endpoint.id }, 'webhook endpoint secret rotated');
      return { ...toEndpointView(rotated.endpoint), secret: rotated.secret };
    },
  );
}

/** Cursors are ids this API handed out; anything else is the client's mistake, not a 500. */
