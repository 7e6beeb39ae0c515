import type { Kysely } from 'kysely';
import { columnTypes } from '../column-sql.ts';

/**
 * Webhook endpoints, the deliveries owed to them and every attempt made, and the outbox mark on
 * payment events. Events written before webhooks existed count as dispatched: an endpoint
 * created later hears about what happens from then on, not about the past.
 */
export const downRevision = 'fa890ac685e5';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('store_id', t.uuid, (c) => c.notNull())
    .addColumn('url', t.text, (c) => c.notNull())
    .addColumn('description', t.text)
    .addColumn('event_types', t.json)
    .addColumn('enabled', t.boolean, (c) => c.notNull().defaultTo(t.literal(true)))
    .addColumn('disabled_reason', t.text)
    .addColumn('secret', t.text, (c) => c.notNull())
    .addColumn('previous_secret', t.text)
    .addColumn('previous_secret_expires_at', t.timestamp)
    .addColumn('failing_since', t.timestamp)
    .addColumn('last_failed_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addColumn('updated_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addForeignKeyConstraint(
      'webhook_endpoints_store_id_fkey',
      ['store_id'],
      'stores',
      ['id'],
      (fk) => fk.onDelete('restrict'),
    )
    .execute();
  await db.schema
    .createIndex('webhook_endpoints_store_id_id_idx')
    .on('webhook_endpoints')
    .columns(['store_id', 'id'])
    .execute();
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('endpoint_id', t.uuid, (c) => c.notNull())
    .addColumn('event_id', t.uuid, (c) => c.notNull())
    .addColumn('payment_id', t.uuid, (c) => c.notNull())
    .addColumn('event_type', t.text, (c) => c.notNull())
    .addColumn('payload', t.text, (c) => c.notNull())
    .addColumn('status', t.text, (c) => c.notNull().defaultTo(t.literal('pending')))
    .addColumn('attempts', t.integer, (c) => c.notNull().defaultTo(t.literal(0)))
    .addColumn('redeliveries', t.integer, (c) => c.notNull().defaultTo(t.literal(0)))
    .addColumn('next_attempt_at', t.timestamp)
    .addColumn('claimed_until', t.timestamp)
    .addColumn('last_attempt_at', t.timestamp)
    .addColumn('last_status_code', t.integer)
    .addColumn('last_error', t.text)
    .addColumn('delivered_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addColumn('updated_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addUniqueConstraint('webhook_deliveries_endpoint_id_event_id_key', ['endpoint_id', 'event_id'])
    .addForeignKeyConstraint(
      'webhook_deliveries_endpoint_id_fkey',
      ['endpoint_id'],
      'webhook_endpoints',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'webhook_deliveries_event_id_fkey',
      ['event_id'],
      'payment_events',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_status_next_attempt_at_idx')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_endpoint_id_payment_id_event_id_idx')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'payment_id', 'event_id'])
    .execute();
  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('delivery_id', t.uuid, (c) => c.notNull())
    .addColumn('attempt', t.integer, (c) => c.notNull())
    .addColumn('started_at', t.timestamp, (c) => c.notNull())
    .addColumn('duration_ms', t.integer, (c) => c.notNull())
    .addColumn('status_code', t.integer)
    .addColumn('response_body', t.text)
    .addColumn('error', t.text)
    .addForeignKeyConstraint(
      'webhook_attempts_delivery_id_fkey',
      ['delivery_id'],
      'webhook_deliveries',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('webhook_attempts_delivery_id_idx')
    .on('webhook_attempts')
    .columns(['delivery_id'])
    .execute();
  await db.schema.alterTable('payment_events').addColumn('dispatched_at', t.timestamp).execute();
  await db
    .updateTable('payment_events')
    .set((eb) => ({ dispatched_at: eb.ref('created_at') }))
    .execute();
  await db.schema
    .createIndex('payment_events_dispatched_at_id_idx')
    .on('payment_events')
    .columns(['dispatched_at', 'id'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('payment_events_dispatched_at_id_idx').execute();
  // WARNING: drops column payment_events.dispatched_at and its values.
  await db.schema.alterTable('payment_events').dropColumn('dispatched_at').execute();
  // WARNING: drops table webhook_attempts and every row in it.
  await db.schema.dropTable('webhook_attempts').execute();
  // WARNING: drops table webhook_deliveries and every row in it.
  await db.schema.dropTable('webhook_deliveries').execute();
  // WARNING: drops table webhook_endpoints and every row in it.
  await db.schema.dropTable('webhook_endpoints').execute();
}
