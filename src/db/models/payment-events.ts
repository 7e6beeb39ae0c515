import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/**
 * Every change of a payment, written in the same transaction as the change: the outbox that
 * webhooks are delivered from. Ids are UUIDv7, so they sort in the order events were written.
 */
export const paymentEvents = defineTable('payment_events', {
  columns: {
    id: col.uuid().primaryKey(),
    payment_id: col.uuid().references('payments.id', { onDelete: 'cascade' }),
    type: col.text(),
    data: col.json(),
    created_at: col.timestamp().defaultNow(),
    /** When webhook deliveries were created for it; null while it waits in the outbox. */
    dispatched_at: col.timestamp().nullable(),
  },
  indexes: [{ columns: ['payment_id'] }, { columns: ['dispatched_at', 'id'] }],
});
