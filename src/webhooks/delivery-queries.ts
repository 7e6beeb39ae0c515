import type { Kysely } from 'kysely';
import { isId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import { getEndpoint } from './endpoint-store.ts';
import { WebhookError } from './errors.ts';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One request sent for a delivery and what came back. */
export interface DeliveryAttempt {
  readonly attempt: number;
  readonly startedAt: Date;
  readonly durationMs: number;
  /** null when no response came (network error, timeout, refused address). */
  readonly statusCode: number | null;
  /** The start of the response body, as truncated by the sender. */
  readonly responseBody: string | null;
  readonly error: string | null;
}

/** A delivery of one event to one endpoint, with every attempt made so far (oldest first). */
export interface WebhookDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly paymentId: string;
  readonly status: DeliveryStatus;
  /** How many attempts were made (redeliveries continue the count). */
  readonly attemptCount: number;
  /** When the next attempt is due (meaningful while pending). */
  readonly nextAttemptAt: Date | null;
  readonly deliveredAt: Date | null;
  /** The body every attempt sends (JSON text, fixed when the delivery was created). */
  readonly payload: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly attempts: readonly DeliveryAttempt[];
}

export interface ListDeliveriesParams {
  readonly storeId: string;
  readonly endpointId: string;
  readonly status?: DeliveryStatus;
  /** The id of the last delivery of the previous page. */
  readonly after?: string;
  readonly limit: number;
}

/**
 * An endpoint's deliveries, newest first, a page at a time (keyset on the time-ordered id),
 * each with its attempts. Another store's endpoint is WEBHOOK_ENDPOINT_NOT_FOUND.
 */
export async function listDeliveries(
  db: Kysely<Database>,
  params: ListDeliveriesParams,
): Promise<{ rows: WebhookDelivery[]; hasMore: boolean }> {
  await getEndpoint(db, { storeId: params.storeId, id: params.endpointId });
  let query = deliveryColumns(db).where('endpoint_id', '=', params.endpointId);
  if (params.status) query = query.where('status', '=', params.status);
  if (params.after) query = query.where('id', '<', params.after);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(params.limit + 1)
    .execute();
  const page = rows.slice(0, params.limit);
  const attempts = await attemptsOf(
    db,
    page.map((row) => row.id),
  );
  return {
    rows: page.map((row) => toDelivery(row, attempts.get(row.id) ?? [])),
    hasMore: rows.length > params.limit,
  };
}

/** One delivery of the store, with its attempts; another store's is WEBHOOK_DELIVERY_NOT_FOUND. */
export async function getDelivery(
  db: Kysely<Database>,
  params: { readonly storeId: string; readonly deliveryId: string },
): Promise<WebhookDelivery> {
  const row = isId(params.deliveryId)
    ? await deliveryColumns(db)
        .where('id', '=', params.deliveryId)
        .where('endpoint_id', 'in', endpointsOfStore(db, params.storeId))
        .executeTakeFirst()
    : undefined;
  if (!row) throw deliveryNotFound(params.deliveryId);
  const attempts = await attemptsOf(db, [row.id]);
  return toDelivery(row, attempts.get(row.id) ?? []);
}

/**
 * Schedules a delivery to be sent again now, whatever its status (a delivered event a
 * receiver lost, one that gave up, one waiting for its next retry). Attempt numbering goes
 * on from the delivery's count; a claim on it is dropped so a worker picks it up at once.
 * It is sent once its endpoint is enabled and no earlier delivery of the same payment to
 * that endpoint is still pending (per-payment order).
 */
export async function requestRedelivery(
  db: Kysely<Database>,
  params: { readonly storeId: string; readonly deliveryId: string },
  now: Date = new Date(),
): Promise<WebhookDelivery> {
  if (!isId(params.deliveryId)) throw deliveryNotFound(params.deliveryId);
  const result = await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status: 'pending',
      next_attempt_at: now,
      claimed_until: null,
      // Tells an attempt in flight not to decide the delivery's next state over this request.
      redeliveries: eb('redeliveries', '+', 1),
      updated_at: now,
    }))
    .where('id', '=', params.deliveryId)
    .where('endpoint_id', 'in', endpointsOfStore(db, params.storeId))
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw deliveryNotFound(params.deliveryId);
  return getDelivery(db, params);
}

function endpointsOfStore(db: Kysely<Database>, storeId: string) {
  return db.selectFrom('webhook_endpoints').select('id').where('store_id', '=', storeId);
}

function deliveryColumns(db: Kysely<Database>) {
  return db
    .selectFrom('webhook_deliveries')
    .select([
      'id',
      'endpoint_id',
      'event_id',
      'event_type',
      'payment_id',
      'status',
      'attempts',
      'next_attempt_at',
      'delivered_at',
      'payload',
      'created_at',
      'updated_at',
    ]);
}

type DeliveryRow = Awaited<
  ReturnType<ReturnType<typeof deliveryColumns>['executeTakeFirstOrThrow']>
>;

async function attemptsOf(
  db: Kysely<Database>,
  deliveryIds: readonly string[],
): Promise<Map<string, DeliveryAttempt[]>> {
  const byDelivery = new Map<string, DeliveryAttempt[]>();
  if (deliveryIds.length === 0) return byDelivery;
  const rows = await db
    .selectFrom('webhook_attempts')
    .select([
      'delivery_id',
      'attempt',
      'started_at',
      'duration_ms',
      'status_code',
      'response_body',
      'error',
    ])
    .where('delivery_id', 'in', deliveryIds)
    .orderBy('delivery_id')
    .orderBy('attempt')
    .execute();
  for (const row of rows) {
    const list = byDelivery.get(row.delivery_id) ?? [];
    list.push({
      attempt: row.attempt,
      startedAt: row.started_at,
      durationMs: row.duration_ms,
      statusCode: row.status_code,
      responseBody: row.response_body,
      error: row.error,
    });
    byDelivery.set(row.delivery_id, list);
  }
  return byDelivery;
}

function toDelivery(row: DeliveryRow, attempts: readonly DeliveryAttempt[]): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    paymentId: row.payment_id,
    status: row.status as DeliveryStatus,
    attemptCount: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    deliveredAt: row.delivered_at,
    payload: row.payload,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    attempts,
  };
}

function deliveryNotFound(id: string): WebhookError {
  return new WebhookError(
    'WEBHOOK_DELIVERY_NOT_FOUND',
    `webhook delivery ${id.slice(0, 100)} does not exist`,
    { deliveryId: id },
  );
}
