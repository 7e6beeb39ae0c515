import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/**
 * Where a store wants to hear about its payments. The signing secret is stored encrypted with
 * SECRET_KEY (it must be recoverable to sign with, unlike an API key); during a rotation the
 * previous secret signs too, until `previous_secret_expires_at`.
 */
export const webhookEndpoints = defineTable('webhook_endpoints', {
  columns: {
    id: col.uuid().primaryKey(),
    store_id: col.uuid().references('stores.id', { onDelete: 'restrict' }),
    url: col.text(),
    description: col.text().nullable(),
    /** The event types delivered, e.g. ["payment.confirmed"]; null: every event. */
    event_types: col.json<string[]>().nullable(),
    enabled: col.boolean().default(true),
    /** Why the endpoint is disabled when cTrip disabled it (`failing`); null otherwise. */
    disabled_reason: col.text().nullable(),
    secret: col.text(),
    previous_secret: col.text().nullable(),
    previous_secret_expires_at: col.timestamp().nullable(),
    /**
     * When the current run of failed attempts began; null after a success. A failure more than
     * a day after the previous one (longer than any retry waits) begins a new run.
     */
    failing_since: col.timestamp().nullable(),
    /** When the latest failed attempt began; null until one fails. */
    last_failed_at: col.timestamp().nullable(),
    created_at: col.timestamp().defaultNow(),
    updated_at: col.timestamp().defaultNow(),
  },
  indexes: [{ columns: ['store_id', 'id'] }],
});
