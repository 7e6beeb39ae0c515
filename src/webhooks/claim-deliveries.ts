import { engineOf } from '../db/column-sql.ts';
import { clockOf, type WebhookDeps } from './webhook-deps.ts';

/** How long past the request timeout a claim lasts: time to record the attempt. */
const CLAIM_MARGIN_MS = 30_000;

/**
 * Claims up to `limit` due deliveries for this process and returns their ids.
 * Due: pending, its time has come, not claimed by a live claim, its endpoint enabled, and no
 * delivery of an earlier event of the same payment to the same endpoint still pending (so a
 * receiver gets a payment's events in order: `payment.confirmed` never overtakes
 * `payment.detected` that is being retried). "Earlier" compares event ids, which follow the
 * order a payment's events were written (see recordPaymentEvents); delivery ids do not, since
 * whichever process fans an event out mints its delivery's id with its own clock.
 *
 * A claim lasts `claimMs` (default: the request timeout plus 30 s). A worker that dies holding
 * it does not lose the delivery: once the claim lapses, the delivery is due again. Safe with
 * many claimers at once: on PostgreSQL the candidate rows are locked with SKIP LOCKED, so two
 * claimers never take the same delivery; SQLite has one writer at a time.
 */
export async function claimDueDeliveries(
  deps: WebhookDeps,
  options: {
    readonly limit: number;
    readonly claimMs?: number;
    /** Only deliveries of the same payment to the same endpoint as this delivery. */
    readonly of?: { readonly sameAsDelivery: string };
  },
): Promise<string[]> {
  const now = clockOf(deps);
  const claimMs = options.claimMs ?? deps.settings.timeoutMs + CLAIM_MARGIN_MS;
  const claimedUntil = new Date(now.getTime() + claimMs);
  let due = deps.db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select('d.id')
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('d.claimed_until', 'is', null), eb('d.claimed_until', '<', now)]))
    .where('e.enabled', '=', true)
    .$if(options.of !== undefined, (qb) => {
      const of = (column: 'endpoint_id' | 'payment_id') =>
        deps.db
          .selectFrom('webhook_deliveries as done')
          .select(`done.${column}`)
          .where('done.id', '=', options.of?.sameAsDelivery as string);
      return qb
        .where('d.endpoint_id', '=', of('endpoint_id'))
        .where('d.payment_id', '=', of('payment_id'));
    })
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('webhook_deliveries as earlier')
            .select('earlier.id')
            .whereRef('earlier.endpoint_id', '=', 'd.endpoint_id')
            .whereRef('earlier.payment_id', '=', 'd.payment_id')
            .where('earlier.status', '=', 'pending')
            .whereRef('earlier.event_id', '<', 'd.event_id'),
        ),
      ),
    )
    .orderBy('d.next_attempt_at')
    .orderBy('d.event_id')
    .limit(options.limit);
  if (engineOf(deps.db) === 'postgres') due = due.forUpdate('d').skipLocked();
  const claimed = await deps.db
    .updateTable('webhook_deliveries')
    .set({ claimed_until: claimedUntil })
    .where('id', 'in', due)
    .returning('id')
    .execute();
  return claimed.map((row) => row.id);
}

/**
 * Claims the delivery that was waiting behind `deliveryId` (the next event of the same payment
 * to the same endpoint), if it is due now: sent at once when its predecessor is done, instead
 * of at the next dispatch run. Returns its id, or undefined when there is none.
 */
export async function claimFollowingDelivery(
  deps: WebhookDeps,
  deliveryId: string,
  options: { readonly claimMs?: number } = {},
): Promise<string | undefined> {
  // One statement: this runs after every delivery, so it must cost as little as a claim.
  const [next] = await claimDueDeliveries(deps, {
    limit: 1,
    claimMs: options.claimMs,
    of: { sameAsDelivery: deliveryId },
  });
  return next;
}
