import { createRequire } from 'node:module';
import type { Transaction } from 'kysely';
import { isId, newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import { withTransaction } from '../db/transaction.ts';
import { messageOf } from '../errors.ts';
import { claimFollowingDelivery } from './claim-deliveries.ts';
import {
  FAILURE_RUN_GAP_MS,
  isRetryable,
  nextRetryDelayMs,
  parseRetryAfter,
} from './retry-schedule.ts';
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
 * What became of a delivery: `delivered` (2xx), `retry` (failed and tried again later, or a
 * redelivery was asked for while the attempt was in flight), `failed` (refused by the
 * receiver, or retries used up), `skipped` (nothing sent: not due, already done, its endpoint
 * disabled, or another process recorded this attempt first).
 */
export type DeliverWebhookResult = 'delivered' | 'retry' | 'failed' | 'skipped';

/**
 * Sends one attempt of a delivery and records it: the attempt row, the delivery's next state
 * and the endpoint's failure run, in one transaction after the request (never a request inside
 * a transaction). The record is conditional on the attempt count read before sending, so when
 * two processes send the same attempt (a claim that lapsed under a stalled worker), only one
 * records it. A redelivery asked for while the attempt was in flight wins: the attempt is
 * logged, and the delivery stays due as the redelivery left it.
 *
 * An endpoint is disabled (`disabled_reason = 'failing'`) when a delivery to it uses up its
 * retries and every attempt to the endpoint since that delivery's first attempt failed, or
 * when its attempts have all failed for `disableAfterFailingMs`. A run of failures ends with a
 * success, or when the next failure comes more than FAILURE_RUN_GAP_MS after the previous one.
 */
export async function deliverWebhook(
  deps: WebhookDeps,
  deliveryId: string,
): Promise<DeliverWebhookResult> {
  return (await sendDeliveryAttempt(deps, deliveryId)).result;
}

/**
 * `deliverWebhook`, then, when the attempt settled the delivery (delivered or failed) and the
 * same payment's next delivery to the endpoint was waiting behind it, claims that one so the
 * caller can send it at once. Returns the claimed delivery's id as `next`.
 */
export async function deliverWebhookThenClaimNext(
  deps: WebhookDeps,
  deliveryId: string,
  options: { readonly claimMs?: number } = {},
): Promise<{ readonly result: DeliverWebhookResult; readonly next?: string }> {
  const { result, followerWaiting } = await sendDeliveryAttempt(deps, deliveryId);
  if ((result !== 'delivered' && result !== 'failed') || !followerWaiting) return { result };
  const next = await claimFollowingDelivery(deps, deliveryId, options);
  return next === undefined ? { result } : { result, next };
}

async function sendDeliveryAttempt(
  deps: WebhookDeps,
  deliveryId: string,
): Promise<{ readonly result: DeliverWebhookResult; readonly followerWaiting: boolean }> {
  const skipped = { result: 'skipped', followerWaiting: false } as const;
  if (!isId(deliveryId)) return skipped;
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
      'd.redeliveries',
      'd.next_attempt_at',
      'e.url',
      'e.enabled',
      'e.secret',
      'e.previous_secret',
      'e.previous_secret_expires_at',
      'e.failing_since',
      // Read with the delivery, so that finding none costs no statement of its own.
      (eb) =>
        eb
          .exists(
            eb
              .selectFrom('webhook_deliveries as later')
              .select('later.id')
              .whereRef('later.endpoint_id', '=', 'd.endpoint_id')
              .whereRef('later.payment_id', '=', 'd.payment_id')
              .where('later.status', '=', 'pending')
              .whereRef('later.event_id', '>', 'd.event_id'),
          )
          .as('follower_waiting'),
    ])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
  const startedAt = clockOf(deps);
  if (
    delivery?.status !== 'pending' ||
    !delivery.enabled ||
    (delivery.next_attempt_at !== null && delivery.next_attempt_at > startedAt)
  ) {
    return skipped;
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
    const attemptColumns = {
      attempts: attempt,
      claimed_until: null,
      last_attempt_at: startedAt,
      last_status_code: result.statusCode ?? null,
      last_error: truncate(result.error, ATTEMPT_ERROR_LIMIT),
      updated_at: finishedAt,
    };
    const decided = await trx
      .updateTable('webhook_deliveries')
      .set({
        ...attemptColumns,
        status: outcome.status,
        next_attempt_at: outcome.nextAttemptAt,
        delivered_at: outcome.status === 'delivered' ? finishedAt : null,
      })
      .where('id', '=', delivery.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', delivery.attempts)
      .where('redeliveries', '=', delivery.redeliveries)
      .executeTakeFirst();
    let superseded = false;
    if (decided.numUpdatedRows === 0n) {
      // A redelivery was asked for while this attempt was in flight: its next_attempt_at
      // stands, so the delivery is sent again; this attempt is only logged.
      const logged = await trx
        .updateTable('webhook_deliveries')
        .set(attemptColumns)
        .where('id', '=', delivery.id)
        .where('status', '=', 'pending')
        .where('attempts', '=', delivery.attempts)
        .where('redeliveries', '<>', delivery.redeliveries)
        .executeTakeFirst();
      if (logged.numUpdatedRows === 0n) return { disabled: false, recorded: false, superseded };
      superseded = true;
    }
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
    const disabled = await recordEndpointHealth(trx, {
      endpointId: delivery.endpoint_id,
      succeeded: outcome.result === 'delivered',
      wasFailing: delivery.failing_since !== null,
      startedAt,
      finishedAt,
      exhaustedDeliveryId: outcome.exhausted && !superseded ? delivery.id : null,
      disableAfterFailingMs: deps.settings.disableAfterFailingMs,
    });
    return { disabled, recorded: true, superseded };
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
    return skipped;
  }
  if (recorded.superseded) {
    deps.logger.info(
      { ...fields, outcome: outcome.result },
      'webhook attempt recorded; a redelivery was asked for meanwhile, so it is sent again',
    );
  } else if (outcome.result === 'delivered')
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
  return {
    result: recorded.superseded ? 'retry' : outcome.result,
    followerWaiting: Boolean(delivery.follower_waiting),
  };
}

interface Outcome {
  readonly result: 'delivered' | 'retry' | 'failed';
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly nextAttemptAt: Date | null;
  /** Failed because the retry schedule is used up (not refused by the receiver). */
  readonly exhausted?: boolean;
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
  if (delay === null) return { ...failed, exhausted: true };
  return { result: 'retry', status: 'pending', nextAttemptAt: new Date(now.getTime() + delay) };
}

interface AttemptHealth {
  readonly endpointId: string;
  readonly succeeded: boolean;
  /** Whether the endpoint had a run of failures when the attempt started. */
  readonly wasFailing: boolean;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  /** The delivery this attempt gave up on because its retries are used up; null otherwise. */
  readonly exhaustedDeliveryId: string | null;
  readonly disableAfterFailingMs: number;
}

/**
 * Keeps the endpoint's run of failures (see deliverWebhook) and returns whether this failure
 * disabled the endpoint. A run starts when the attempt that failed started, so a dead
 * endpoint's run begins with the first attempt of the delivery that later uses up its
 * retries. A success touches no row while the endpoint is healthy, so busy endpoints are not
 * a hot row.
 */
async function recordEndpointHealth(
  trx: Transaction<Database>,
  attempt: AttemptHealth,
): Promise<boolean> {
  const { endpointId, startedAt, finishedAt } = attempt;
  if (attempt.succeeded) {
    // The common case, a healthy endpoint, costs no statement. (A failure recorded by another
    // process meanwhile is cleared by the next success.)
    if (!attempt.wasFailing) return false;
    await trx
      .updateTable('webhook_endpoints')
      .set({ failing_since: null })
      .where('id', '=', endpointId)
      .where('failing_since', 'is not', null)
      .execute();
    return false;
  }
  const runBroken = new Date(startedAt.getTime() - FAILURE_RUN_GAP_MS);
  await trx
    .updateTable('webhook_endpoints')
    .set({ failing_since: startedAt })
    .where('id', '=', endpointId)
    .where((eb) =>
      eb.or([
        eb('failing_since', 'is', null),
        eb('last_failed_at', 'is', null),
        eb('last_failed_at', '<', runBroken),
      ]),
    )
    .execute();
  await trx
    .updateTable('webhook_endpoints')
    .set({ last_failed_at: startedAt })
    .where('id', '=', endpointId)
    .execute();
  const firstAttemptAt =
    attempt.exhaustedDeliveryId === null
      ? undefined
      : (
          await trx
            .selectFrom('webhook_attempts')
            .select('started_at')
            .where('delivery_id', '=', attempt.exhaustedDeliveryId)
            .orderBy('attempt')
            .limit(1)
            .executeTakeFirst()
        )?.started_at;
  const disabled = await trx
    .updateTable('webhook_endpoints')
    .set({ enabled: false, disabled_reason: 'failing', updated_at: finishedAt })
    .where('id', '=', endpointId)
    .where('enabled', '=', true)
    .where((eb) =>
      eb.or([
        eb('failing_since', '<=', new Date(finishedAt.getTime() - attempt.disableAfterFailingMs)),
        ...(firstAttemptAt === undefined ? [] : [eb('failing_since', '<=', firstAttemptAt)]),
      ]),
    )
    .executeTakeFirst();
  return disabled.numUpdatedRows > 0n;
}

function truncate(text: string | undefined, limit: number): string | null {
  if (text === undefined) return null;
  return text.length > limit ? text.slice(0, limit) : text;
}
