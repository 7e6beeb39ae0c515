/**
 * The kinds of job the gateway runs. With BullMQ each is a queue of its own, so /metrics can
 * tell their depths apart and a process can take only the kinds it runs.
 */
export const JOB_KINDS = [
  'scan',
  'expire',
  'purge-idempotency',
  'webhooks-dispatch',
  'webhook-deliver',
  'sweep',
] as const;

export type JobKind = (typeof JOB_KINDS)[number];
