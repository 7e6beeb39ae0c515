import { createRequire } from 'node:module';
import type { Transaction } from 'kysely';
import { isId, newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import { withTransaction } from '../db/transaction.ts';
import { messageOf } from '../errors.ts';
import { isRetryable, nextRetryDelayMs, parseRetryAfter } from './retry-schedule.ts';
import { type SendWebhookResult, sendWebhook } from './send-webhook.ts';
import { signingSecretsOf, signWebhook } from './sign-webhook.ts';
import { parseWebhookUrl } from './url-guard.ts';
import { clockOf, type WebhookDeps } from './webhook-deps.ts';

/** How much of a response body an attempt row keeps. */
export const ATTEMPT_BODY_LIMIT = 1024;
/** How much of an error message an attempt row keeps. */
const ATTEMPT_ERROR_LIMIT = 1024;

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
const USER_AGENT = `cTrip-Webhooks/${version}`;

/**
 * What became of a delivery: `delivered` (2xx), `retry` (failed, tried again later),
 * `failed` (refused by the receiver, or retries used up), `skipped` (nothing sent: not due,
 * already done, its endpoint disabled, or another process recorded this attempt first).
 */
export type DeliverWebhookResult = 'delivered' | 'retry' | 'failed' | 'skipped';

/**
 * Sends one attempt of a delivery and records it: the attempt row, the delivery's next state
 * and the endpoint's failure run, in one transaction after the request (never a request inside
 * a transaction). The record is conditional on the attempt count read before sending, so when
 * two processes send the same attempt (a claim that lapsed under a stalled worker), only one
 * records it. An endpoint whose attempts have all failed for `disableAfterFailingMs` is
 * disabled (`disabled_reason = 'failing'`).
 */
export async function deliverWebhook(
  deps: WebhookDeps,
  deliveryId: string,
): Promise<DeliverWebhookResult> {
  if (!isId(deliveryId)) return 'skipped';
  const delivery = await deps.db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select([
      'd.id',
      'd.endpoint_id',
      'd.event_id',
      'd.payload',
      'd.status',
      'd.attempts',
      'd.next_attempt_at',
      'e.url',
      'e.enabled',
      'e.secret',
      'e.previous_secret',
      'e.previous_secret_expires_at',
    ])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
  const startedAt = clockOf(deps);
  if (
    delivery?.status !== 'pending' ||
    !delivery.enabled ||
    (delivery.next_attempt_at !== null && delivery.next_attempt_at > startedAt)
  ) {
    return 'skipped';
  }

  let secrets: string[];
  try {
    secrets = signingSecretsOf(delivery, deps.secretKey, startedAt);
  } catch (error) {
    // Nothing is recorded: the claim lapses and the delivery is tried again once SECRET_KEY is
    // the one the secrets were sealed with.
    throw new Error(
      `webhook endpoint ${delivery.endpoint_id}: its secret cannot be opened with this SECRET_KEY (${messageOf(error)})`,
    );
  }
  const timestamp = Math.floor(startedAt.getTime() / 1000);
  const attempt = delivery.attempts + 1;
  let url: URL | undefined;
  let result: SendWebhookResult;
  try {
    url = parseWebhookUrl(delivery.url);
    result = await sendWebhook({
      url,
      body: delivery.payload,
      timeoutMs: deps.settings.timeoutMs,
      allowPrivate: deps.settings.allowPrivateUrls,
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'webhook-id': delivery.event_id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook({
          id: delivery.event_id,
          timestamp,
          body: delivery.payload,
          secrets,
        }),
      },
    });
  } catch (error) {
    result = { durationMs: 0, body: '', error: messageOf(error), refused: true };
  }

  const finishedAt = clockOf(deps);
  const outcome = decide(deps, result, attempt, finishedAt);
  const recorded = await withTransaction(deps.db, async (trx) => {
    const updated = await trx
      .updateTable('webhook_deliveries')
      .set({
        status: outcome.status,
        attempts: attempt,
        next_attempt_at: outcome.nextAttemptAt,
        claimed_until: null,
        last_attempt_at: startedAt,
        last_status_code: result.statusCode ?? null,
        last_error: truncate(result.error, ATTEMPT_ERROR_LIMIT),
        delivered_at: outcome.status === 'delivered' ? finishedAt : null,
        updated_at: finishedAt,
      })
      .where('id', '=', delivery.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', delivery.attempts)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return { disabled: false, recorded: false };
    await trx
      .insertInto('webhook_attempts')
      .values({
        id: newId(),
        delivery_id: delivery.id,
        attempt,
        started_at: startedAt,
        duration_ms: result.durationMs,
        status_code: result.statusCode ?? null,
        response_body: truncate(result.body, ATTEMPT_BODY_LIMIT),
        error: truncate(result.error, ATTEMPT_ERROR_LIMIT),
      })
      .execute();
    const disabled = await recordEndpointHealth(
      trx,
      delivery.endpoint_id,
      outcome.result === 'delivered',
      finishedAt,
      deps.settings.disableAfterFailingMs,
    );
    return { disabled, recorded: true };
  });

  const fields = {
    deliveryId: delivery.id,
    endpointId: delivery.endpoint_id,
    host: url?.host ?? null,
    attempt,
    statusCode: result.statusCode ?? null,
    durationMs: result.durationMs,
    error: result.error ?? null,
  };
  if (!recorded.recorded) {
    deps.logger.warn({ ...fields }, 'webhook attempt already recorded by another process');
    return 'skipped';
  }
  if (outcome.result === 'delivered')
    deps.logger.info({ ...fields, outcome: outcome.result }, 'webhook delivered');
  else {
    deps.logger.warn(
      {
        ...fields,
        outcome: outcome.result,
        nextAttemptAt: outcome.nextAttemptAt?.toISOString() ?? null,
      },
      outcome.result === 'retry'
        ? 'webhook attempt failed; retrying later'
        : 'webhook delivery failed',
    );
  }
  if (recorded.disabled) {
    deps.logger.warn(
      { endpointId: delivery.endpoint_id, host: url?.host ?? null },
      'webhook endpoint disabled: its deliveries kept failing',
    );
  }
  return outcome.result;
}

interface Outcome {
  readonly result: 'delivered' | 'retry' | 'failed';
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly nextAttemptAt: Date | null;
}

function decide(deps: WebhookDeps, result: SendWebhookResult, attempt: number, now: Date): Outcome {
  const status = result.statusCode;
  if (result.error === undefined && status !== undefined && status >= 200 && status < 300) {
    return { result: 'delivered', status: 'delivered', nextAttemptAt: null };
  }
  const failed: Outcome = { result: 'failed', status: 'failed', nextAttemptAt: null };
  if (result.refused || !isRetryable(result)) return failed;
  const retryAfterMs =
    status === 429 || status === 503 ? parseRetryAfter(result.retryAfter, now) : undefined;
  const delay = nextRetryDelayMs(attempt, {
    ...(deps.retrySchedule ? { schedule: deps.retrySchedule } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
  if (delay === null) return failed;
  return { result: 'retry', status: 'pending', nextAttemptAt: new Date(now.getTime() + delay) };
}

/**
 * Keeps the endpoint's run of failures: cleared by a success, started by the first failure
 * after one. Returns whether this failure disabled the endpoint. The updates match no row in
 * the common case (a healthy endpoint succeeding), so busy endpoints are not a hot row.
 */
async function recordEndpointHealth(
  trx: Transaction<Database>,
  endpointId: string,
  succeeded: boolean,
  now: Date,
  disableAfterFailingMs: number,
): Promise<boolean> {
  if (succeeded) {
    await trx
      .updateTable('webhook_endpoints')
      .set({ failing_since: null })
      .where('id', '=', endpointId)
      .where('failing_since', 'is not', null)
      .execute();
    return false;
  }
  await trx
    .updateTable('webhook_endpoints')
    .set({ failing_since: now })
    .where('id', '=', endpointId)
    .where('failing_since', 'is', null)
    .execute();
  const disabled = await trx
    .updateTable('webhook_endpoints')
    .set({ enabled: false, disabled_reason: 'failing', updated_at: now })
    .where('id', '=', endpointId)
    .where('enabled', '=', true)
    .where('failing_since', '<=', new Date(now.getTime() - disableAfterFailingMs))
    .executeTakeFirst();
  return disabled.numUpdatedRows > 0n;
}

function truncate(text: string | undefined, limit: number): string | null {
  if (text === undefined) return null;
  return text.length > limit ? text.slice(0, limit) : text;
}
