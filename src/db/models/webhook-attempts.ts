import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/** Every request sent for a delivery and what came back: the log an operator reads. */
export const webhookAttempts = defineTable('webhook_attempts', {
  columns: {
    id: col.uuid().primaryKey(),
    delivery_id: col.uuid().references('webhook_deliveries.id', { onDelete: 'cascade' }),
    /** 1 for the first attempt; redeliveries continue the count. */
    attempt: col.integer(),
    started_at: col.timestamp(),
    duration_ms: col.integer(),
    /** The receiver's status code; null when no response came (network error, timeout). */
    status_code: col.integer().nullable(),
    /** The start of the response body, truncated. */
    response_body: col.text().nullable(),
    error: col.text().nullable(),
  },
  indexes: [{ columns: ['delivery_id'] }],
});
