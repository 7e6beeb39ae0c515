import type { Kysely } from 'kysely';
import type { Secret } from '../config/secret.ts';
import { isId, newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import { generateEndpointSecret, sealEndpointSecret } from './endpoint-secrets.ts';
import { WebhookError } from './errors.ts';
import { assertWebhookUrlAllowed } from './url-guard.ts';
import { WEBHOOK_EVENT_TYPES } from './webhook-event-types.ts';

/** How long the old secret keeps signing after a rotation unless the caller says otherwise. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 86_400;
/** A receiver gets at most a week to deploy its new secret: longer keeps a leaked one alive. */
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 86_400;

/** An endpoint as its store sees it: every column except the sealed secrets. */
export interface WebhookEndpoint {
  readonly id: string;
  readonly storeId: string;
  readonly url: string;
  readonly description: string | null;
  /** null: every event type. */
  readonly eventTypes: readonly string[] | null;
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly failingSince: Date | null;
  /** Until when the previous secret still signs; null when no rotation overlap is running. */
  readonly rotationEndsAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What decides whether an endpoint's URL is acceptable and how its secret is stored. */
export interface EndpointPolicy {
  /** SECRET_KEY: endpoint secrets are sealed with it. */
  readonly secretKey: Secret;
  /** WEBHOOK_ALLOW_PRIVATE_URLS: loopback, private and link-local receivers are allowed. */
  readonly allowPrivateUrls: boolean;
  /** Plain http is refused (production, unless private URLs are allowed for on-premise receivers). */
  readonly requireHttps: boolean;
}

export interface CreateEndpointParams {
  readonly storeId: string;
  readonly url: string;
  readonly description?: string | null;
  /** null or absent: every event type. */
  readonly eventTypes?: readonly string[] | null;
  readonly enabled?: boolean;
}

export interface CreatedEndpoint {
  readonly endpoint: WebhookEndpoint;
  /** The signing secret (`whsec_…`): returned here once, stored only sealed. */
  readonly secret: string;
}

/**
 * Registers an endpoint for a store with a new secret. The URL is checked (and resolved)
 * before anything is written: a refused URL writes nothing.
 */
export async function createEndpoint(
  db: Kysely<Database>,
  params: CreateEndpointParams,
  policy: EndpointPolicy,
  now: Date = new Date(),
): Promise<CreatedEndpoint> {
  const url = await checkUrl(params.url, policy);
  const eventTypes = checkEventTypes(params.eventTypes ?? null);
  const secret = generateEndpointSecret();
  const row = {
    id: newId(),
    store_id: params.storeId,
    url,
    description: params.description ?? null,
    event_types: eventTypes,
    enabled: params.enabled ?? true,
    secret: sealEndpointSecret(secret, policy.secretKey),
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('webhook_endpoints').values(row).execute();
  return { endpoint: await getEndpoint(db, { storeId: params.storeId, id: row.id }, now), secret };
}

/**
 * A store's endpoints, newest first, a page at a time (keyset on the time-ordered id, so
 * endpoints added while a client pages land before its first page).
 */
export async function listEndpoints(
  db: Kysely<Database>,
  params: { readonly storeId: string; readonly limit: number; readonly after?: string },
  now: Date = new Date(),
): Promise<{ rows: WebhookEndpoint[]; hasMore: boolean }> {
  let query = endpointColumns(db).where('store_id', '=', params.storeId);
  if (params.after) query = query.where('id', '<', params.after);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(params.limit + 1)
    .execute();
  return {
    rows: rows.slice(0, params.limit).map((row) => toEndpoint(row, now)),
    hasMore: rows.length > params.limit,
  };
}

/** One endpoint of the store; another store's endpoint is WEBHOOK_ENDPOINT_NOT_FOUND. */
export async function getEndpoint(
  db: Kysely<Database>,
  key: EndpointKey,
  now: Date = new Date(),
): Promise<WebhookEndpoint> {
  const row = isId(key.id)
    ? await endpointColumns(db)
        .where('id', '=', key.id)
        .where('store_id', '=', key.storeId)
        .executeTakeFirst()
    : undefined;
  if (!row) throw endpointNotFound(key.id);
  return toEndpoint(row, now);
}

export interface EndpointKey {
  readonly storeId: string;
  readonly id: string;
}

/** The fields a PATCH may change; absent fields stay as they are. */
export interface EndpointChanges {
  readonly url?: string;
  readonly description?: string | null;
  readonly eventTypes?: readonly string[] | null;
  readonly enabled?: boolean;
}

/**
 * Changes an endpoint. A new URL is checked like a new endpoint's. Enabling an endpoint
 * clears why cTrip disabled it and its failing streak, so the disable-after-failing clock
 * starts over instead of disabling it again at the next failure.
 */
export async function updateEndpoint(
  db: Kysely<Database>,
  key: EndpointKey,
  changes: EndpointChanges,
  policy: EndpointPolicy,
  now: Date = new Date(),
): Promise<WebhookEndpoint> {
  // Found first, so another store's endpoint is a 404 before its new URL is even resolved.
  const current = await getEndpoint(db, key, now);
  if (Object.values(changes).every((value) => value === undefined)) return current;
  const set: {
    url?: string;
    description?: string | null;
    event_types?: string[] | null;
    enabled?: boolean;
    disabled_reason?: null;
    failing_since?: null;
    updated_at: Date;
  } = { updated_at: now };
  if (changes.url !== undefined) set.url = await checkUrl(changes.url, policy);
  if (changes.description !== undefined) set.description = changes.description;
  if (changes.eventTypes !== undefined) set.event_types = checkEventTypes(changes.eventTypes);
  if (changes.enabled !== undefined) {
    set.enabled = changes.enabled;
    if (changes.enabled) {
      set.disabled_reason = null;
      set.failing_since = null;
    }
  }
  const result = await db
    .updateTable('webhook_endpoints')
    .set(set)
    .where('id', '=', key.id)
    .where('store_id', '=', key.storeId)
    .executeTakeFirst();
  // Deleted between the lookup and the update.
  if (result.numUpdatedRows === 0n) throw endpointNotFound(key.id);
  return getEndpoint(db, key, now);
}

/** Deletes an endpoint with its deliveries and their attempts. */
export async function deleteEndpoint(db: Kysely<Database>, key: EndpointKey): Promise<void> {
  if (!isId(key.id)) throw endpointNotFound(key.id);
  const result = await db
    .deleteFrom('webhook_endpoints')
    .where('id', '=', key.id)
    .where('store_id', '=', key.storeId)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw endpointNotFound(key.id);
}

/**
 * Gives an endpoint a new secret, returned once. The current secret becomes the previous one
 * and keeps signing beside the new one for `overlapSeconds` (default 24 h, at most 7 days),
 * so the receiver can switch without rejecting a delivery; 0 retires it at once (a leaked
 * secret). The swap is one statement, so two rotations at once cannot lose a secret that
 * was handed out.
 */
export async function rotateEndpointSecret(
  db: Kysely<Database>,
  key: EndpointKey,
  options: { readonly overlapSeconds?: number; readonly secretKey: Secret },
  now: Date = new Date(),
): Promise<CreatedEndpoint> {
  const overlapSeconds = options.overlapSeconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS;
  if (
    !Number.isInteger(overlapSeconds) ||
    overlapSeconds < 0 ||
    overlapSeconds > MAX_ROTATION_OVERLAP_SECONDS
  ) {
    throw new RangeError(
      `overlapSeconds must be a whole number from 0 to ${MAX_ROTATION_OVERLAP_SECONDS}`,
    );
  }
  if (!isId(key.id)) throw endpointNotFound(key.id);
  const secret = generateEndpointSecret();
  const overlap = overlapSeconds > 0;
  const result = await db
    .updateTable('webhook_endpoints')
    .set((eb) => ({
      secret: sealEndpointSecret(secret, options.secretKey),
      previous_secret: overlap ? eb.ref('secret') : null,
      previous_secret_expires_at: overlap ? new Date(now.getTime() + overlapSeconds * 1000) : null,
      updated_at: now,
    }))
    .where('id', '=', key.id)
    .where('store_id', '=', key.storeId)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw endpointNotFound(key.id);
  return { endpoint: await getEndpoint(db, key, now), secret };
}

function endpointColumns(db: Kysely<Database>) {
  return db
    .selectFrom('webhook_endpoints')
    .select([
      'id',
      'store_id',
      'url',
      'description',
      'event_types',
      'enabled',
      'disabled_reason',
      'failing_since',
      'previous_secret',
      'previous_secret_expires_at',
      'created_at',
      'updated_at',
    ]);
}

type EndpointRow = Awaited<
  ReturnType<ReturnType<typeof endpointColumns>['executeTakeFirstOrThrow']>
>;

function toEndpoint(row: EndpointRow, now: Date): WebhookEndpoint {
  const expiresAt = row.previous_secret_expires_at;
  return {
    id: row.id,
    storeId: row.store_id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types ?? null,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    rotationEndsAt:
      row.previous_secret !== null && expiresAt !== null && expiresAt > now ? expiresAt : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

async function checkUrl(url: string, policy: EndpointPolicy): Promise<string> {
  const parsed = await assertWebhookUrlAllowed(url, { allowPrivate: policy.allowPrivateUrls });
  if (policy.requireHttps && parsed.protocol !== 'https:') {
    throw new WebhookError(
      'WEBHOOK_URL_REFUSED',
      'a webhook URL must use https in production (WEBHOOK_ALLOW_PRIVATE_URLS=true allows http for on-premise receivers)',
      { reason: 'https_required' },
    );
  }
  // Stored as the merchant wrote it, so it reads back unchanged; the guard accepted this text.
  return url;
}

/** The filter as stored: null for every type, else the named types once each, in the given order. */
function checkEventTypes(eventTypes: readonly string[] | null): string[] | null {
  if (eventTypes === null) return null;
  const known = WEBHOOK_EVENT_TYPES as readonly string[];
  const unknown = eventTypes.find((type) => !known.includes(type));
  if (unknown !== undefined) {
    throw new WebhookError(
      'WEBHOOK_EVENT_TYPE_UNKNOWN',
      `unknown event type ${JSON.stringify(unknown.slice(0, 100))}; event types are ${known.join(', ')}`,
      { eventType: unknown },
    );
  }
  return [...new Set(eventTypes)];
}

function endpointNotFound(id: string): WebhookError {
  return new WebhookError(
    'WEBHOOK_ENDPOINT_NOT_FOUND',
    `webhook endpoint ${id.slice(0, 100)} does not exist`,
    {
      endpointId: id,
    },
  );
}
