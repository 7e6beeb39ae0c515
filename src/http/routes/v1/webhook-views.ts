import { z } from 'zod';
import type { WebhookDelivery } from '../../../webhooks/delivery-queries.ts';
import {
  MAX_ROTATION_OVERLAP_SECONDS,
  type WebhookEndpoint,
} from '../../../webhooks/endpoint-store.ts';
import { problemView } from '../../schemas.ts';

/** Text from a client; NUL is refused (PostgreSQL cannot store it), as in schemas.ts. */
const text = () =>
  z.string().refine((value) => !value.includes('\0'), 'must not contain NUL characters');

/** Whether the URL is acceptable is the domain's call (it resolves the host); here only its size. */
const url = text().min(1).max(2048).describe('Where events are POSTed: an absolute https URL');
const description = text()
  .max(500)
  .nullable()
  .describe('Your own note about the endpoint (null for none)');
const eventTypes = z
  .array(text().min(1).max(100))
  .min(1)
  .max(50)
  .nullable()
  .describe(
    'The event types to send (e.g. ["payment.confirmed", "payment.expired"]); null or absent: every type',
  );

export const createEndpointBody = z
  .object({
    url,
    description: description.optional(),
    event_types: eventTypes.optional(),
    enabled: z.boolean().optional().describe('Whether events are sent (default true)'),
  })
  .strict();

export const updateEndpointBody = z
  .object({
    url: url.optional(),
    description: description.optional(),
    event_types: eventTypes.optional(),
    enabled: z
      .boolean()
      .optional()
      .describe(
        'false stops deliveries; true re-enables an endpoint (also one cTrip disabled for failing)',
      ),
  })
  .strict();

export const rotateSecretBody = z
  .object({
    overlap_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_ROTATION_OVERLAP_SECONDS)
      .optional()
      .describe(
        'How long the old secret keeps signing beside the new one (default 86400; 0: retire it at once)',
      ),
  })
  .strict();

export const idParams = z.object({ id: text().min(1).max(100) }).strict();

const page = {
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: text().max(100).optional().describe('next_cursor of the previous page'),
};

export const listEndpointsQuery = z.object(page).strict();

export const listDeliveriesQuery = z
  .object({ ...page, status: z.enum(['pending', 'delivered', 'failed']).optional() })
  .strict();

export const endpointView = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  event_types: z.array(z.string()).nullable(),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable(),
  failing_since: z.string().nullable(),
  secret_rotation_ends_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

/** The only views that hold a secret: the answers to creation and rotation. */
export const endpointWithSecretView = endpointView.extend({
  secret: z.string().describe('The signing secret (whsec_…): shown this once, store it now'),
});

export const endpointListView = z.object({
  data: z.array(endpointView),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
});

const attemptView = z.object({
  attempt: z.number().int(),
  started_at: z.string(),
  duration_ms: z.number().int(),
  status_code: z.number().int().nullable(),
  response_body: z.string().nullable(),
  error: z.string().nullable(),
});

export const deliveryView = z.object({
  id: z.string(),
  endpoint_id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  payment_id: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempt_count: z.number().int(),
  next_attempt_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  payload: z.unknown().describe('The JSON body every attempt sends'),
  created_at: z.string(),
  updated_at: z.string(),
  attempts: z.array(attemptView),
});

export const deliveryListView = z.object({
  data: z.array(deliveryView),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
});

export function toEndpointView(endpoint: WebhookEndpoint): z.infer<typeof endpointView> {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    event_types: endpoint.eventTypes === null ? null : [...endpoint.eventTypes],
    enabled: endpoint.enabled,
    disabled_reason: endpoint.disabledReason,
    failing_since: endpoint.failingSince?.toISOString() ?? null,
    secret_rotation_ends_at: endpoint.rotationEndsAt?.toISOString() ?? null,
    created_at: endpoint.createdAt.toISOString(),
    updated_at: endpoint.updatedAt.toISOString(),
  };
}

export function toDeliveryView(delivery: WebhookDelivery): z.infer<typeof deliveryView> {
  return {
    id: delivery.id,
    endpoint_id: delivery.endpointId,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    payment_id: delivery.paymentId,
    status: delivery.status,
    attempt_count: delivery.attemptCount,
    next_attempt_at: delivery.nextAttemptAt?.toISOString() ?? null,
    delivered_at: delivery.deliveredAt?.toISOString() ?? null,
    payload: parsePayload(delivery.payload),
    created_at: delivery.createdAt.toISOString(),
    updated_at: delivery.updatedAt.toISOString(),
    attempts: delivery.attempts.map((attempt) => ({
      attempt: attempt.attempt,
      started_at: attempt.startedAt.toISOString(),
      duration_ms: attempt.durationMs,
      status_code: attempt.statusCode,
      response_body: attempt.responseBody,
      error: attempt.error,
    })),
  };
}

/** The stored body is JSON text written by the sender; shown as the JSON it is. */
function parsePayload(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

/** The problems every webhook route may answer with. */
export const errors = {
  401: problemView,
  403: problemView,
  404: problemView,
  422: problemView,
  429: problemView,
};

export const TAGS = ['webhooks'];
