import {
  claimDueDeliveries,
  deliverWebhookThenClaimNext,
  dispatchPaymentEvents,
  type WebhookDeps,
} from '../webhooks/index.ts';
import type { JobRunner } from './job-runner.ts';
import { sleep } from './sleep.ts';

/** How often the outbox is fanned out and due deliveries are handed to the workers. */
export const DISPATCH_INTERVAL_MS = 500;
/** Events fanned out per transaction. */
const DISPATCH_BATCH = 200;
/** A dispatch run keeps feeding deliveries this long, then lets the next run take over. */
const DISPATCH_BUDGET_MS = 2_000;
/** A delivery's claim outlasts its request by this much (its job may wait in the queue first). */
const CLAIM_MARGIN_MS = 30_000;
/** How long a run waits for room in the delivery queue before looking again. */
const BACKLOG_POLL_MS = 25;

export interface WebhookDeliverData {
  readonly deliveryId: string;
}

/**
 * Defines `webhooks-dispatch` (every 500 ms: fan the outbox out into deliveries, then claim due
 * deliveries and queue one `webhook-deliver` job each) and `webhook-deliver` (one attempt, at
 * most `concurrency` at once per process; when it is done, the same payment's next delivery
 * to the endpoint is claimed and queued at once). Deliveries are claimed only while the queue
 * has room, so a claim seldom lapses while its job waits; a job is keyed by its delivery for
 * as long as the claim lasts, so one claimed again before its job ran is not queued twice.
 */
export async function scheduleWebhooks(
  runner: JobRunner,
  deps: WebhookDeps,
  options: { readonly concurrency: number },
): Promise<void> {
  const targetBacklog = options.concurrency * (runner.driver === 'bullmq' ? 10 : 2);
  const claimMs = deps.settings.timeoutMs + CLAIM_MARGIN_MS;
  // The key lapses with the claim: a delivery whose worker died is queued again as soon as it
  // can be claimed again, not when BullMQ notices the stalled job.
  const deliveryKey = (deliveryId: string) => ({ key: `deliver:${deliveryId}`, keyTtlMs: claimMs });
  const enqueueDelivery = (deliveryId: string) =>
    runner.enqueue<WebhookDeliverData>('webhook-deliver', { deliveryId }, deliveryKey(deliveryId));
  runner.define<WebhookDeliverData>({
    name: 'webhook-deliver',
    concurrency: options.concurrency,
    run: async ({ deliveryId }) => {
      // The payment's next event to this endpoint was waiting for this one (per-payment
      // order): send it now rather than at the next dispatch run.
      const { next } = await deliverWebhookThenClaimNext(deps, deliveryId, { claimMs });
      if (next) await enqueueDelivery(next);
    },
  });
  runner.define<Record<string, never>>({
    name: 'webhooks-dispatch',
    run: async (_data, { signal }) => {
      const deadline = Date.now() + DISPATCH_BUDGET_MS;
      while (!signal.aborted && Date.now() < deadline) {
        const fannedOut = await dispatchPaymentEvents(deps, { limit: DISPATCH_BATCH });
        if (fannedOut < DISPATCH_BATCH) break;
      }
      while (!signal.aborted && Date.now() < deadline) {
        const room = targetBacklog - (await runner.backlog('webhook-deliver'));
        if (room <= 0) {
          await sleep(BACKLOG_POLL_MS, signal);
          continue;
        }
        const ids = await claimDueDeliveries(deps, { limit: room, claimMs });
        await runner.enqueueMany<WebhookDeliverData>(
          'webhook-deliver',
          ids.map((deliveryId) => ({ data: { deliveryId }, ...deliveryKey(deliveryId) })),
        );
        if (ids.length < room) break;
      }
    },
  });
  await runner.schedule('webhooks-dispatch', { everyMs: DISPATCH_INTERVAL_MS, data: {} });
}
