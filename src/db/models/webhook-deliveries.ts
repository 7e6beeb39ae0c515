import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/**
 * One event owed to one endpoint. The body is fixed when the delivery is created, so every
 * attempt sends the same payload; `next_attempt_at` is the retry schedule, `claimed_until` the
 * claim of the worker sending it (a crashed worker's claim lapses and the attempt is retried).
 */
export const webhookDeliveries = defineTable('webhook_deliveries', {
  columns: {
    id: col.uuid().primaryKey(),
    endpoint_id: col.uuid().references('webhook_endpoints.id', { onDelete: 'cascade' }),
    event_id: col.uuid().references('payment_events.id', { onDelete: 'cascade' }),
    /** Deliveries of one payment to one endpoint go out in event order. */
    payment_id: col.uuid(),
    event_type: col.text(),
    payload: col.text(),
    /** pending, delivered, or failed (gave up or refused by the receiver). */
    status: col.text().default('pending'),
    attempts: col.integer().default(0),
    /**
     * How many redeliveries were asked for. An attempt in flight when one is asked for sees it
     * changed and records itself without deciding the delivery's next state, so the redelivery
     * still happens.
     */
    redeliveries: col.integer().default(0),
    next_attempt_at: col.timestamp().nullable(),
    claimed_until: col.timestamp().nullable(),
    last_attempt_at: col.timestamp().nullable(),
    last_status_code: col.integer().nullable(),
    last_error: col.text().nullable(),
    delivered_at: col.timestamp().nullable(),
    created_at: col.timestamp().defaultNow(),
    updated_at: col.timestamp().defaultNow(),
  },
  uniques: [{ columns: ['endpoint_id', 'event_id'] }],
  indexes: [
    { columns: ['status', 'next_attempt_at'] },
    { columns: ['endpoint_id', 'payment_id', 'event_id'] },
  ],
});
