import type { Kysely } from 'kysely';
import { columnTypes } from '../column-sql.ts';
import { batchAlterTable } from '../migrate/batch-alter-table.ts';

/**
 * Stores (merchant accounts), their API keys, remembered idempotent requests, and the store
 * and return URL of each payment. The default store is created here, and payments made
 * before stores existed are given to it.
 */
export const downRevision = 'cd7bd96e00e3';

/** Fixed, so offline SQL and every database agree on it. */
const DEFAULT_STORE_ID = '00000000-0000-7000-8000-000000000001';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('stores')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('name', t.text, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addUniqueConstraint('stores_name_key', ['name'])
    .execute();
  await db.schema
    .createTable('api_keys')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('store_id', t.uuid, (c) => c.notNull())
    .addColumn('name', t.text, (c) => c.notNull())
    .addColumn('prefix', t.text, (c) => c.notNull())
    .addColumn('hash', t.text, (c) => c.notNull())
    .addColumn('scopes', t.json, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addColumn('last_used_at', t.timestamp)
    .addColumn('revoked_at', t.timestamp)
    .addUniqueConstraint('api_keys_prefix_key', ['prefix'])
    .addForeignKeyConstraint('api_keys_store_id_fkey', ['store_id'], 'stores', ['id'], (fk) =>
      fk.onDelete('restrict'),
    )
    .execute();
  await db.schema
    .createIndex('api_keys_store_id_idx')
    .on('api_keys')
    .columns(['store_id'])
    .execute();
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('api_key_id', t.uuid, (c) => c.notNull())
    .addColumn('key', t.text, (c) => c.notNull())
    .addColumn('request_hash', t.text, (c) => c.notNull())
    .addColumn('response_status', t.integer, (c) => c.notNull())
    .addColumn('response_body', t.json, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addUniqueConstraint('idempotency_keys_api_key_id_key_key', ['api_key_id', 'key'])
    .addForeignKeyConstraint(
      'idempotency_keys_api_key_id_fkey',
      ['api_key_id'],
      'api_keys',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('idempotency_keys_created_at_idx')
    .on('idempotency_keys')
    .columns(['created_at'])
    .execute();
  await db.insertInto('stores').values({ id: DEFAULT_STORE_ID, name: 'default' }).execute();
  await batchAlterTable(db, 'payments', (b) =>
    b
      .addColumn('store_id', 'uuid', { nullable: true })
      .addColumn('redirect_url', 'text', { nullable: true }),
  );
  await db.updateTable('payments').set({ store_id: DEFAULT_STORE_ID }).execute();
  await batchAlterTable(db, 'payments', (b) =>
    b
      .alterColumn('store_id', { nullable: false })
      .addForeignKey('payments_store_id_fkey', ['store_id'], {
        table: 'stores',
        columns: ['id'],
        onDelete: 'restrict',
      }),
  );
  await db.schema
    .createIndex('payments_store_id_id_idx')
    .on('payments')
    .columns(['store_id', 'id'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> {
  await batchAlterTable(db, 'payments', (b) => b.dropForeignKey('payments_store_id_fkey'));
  await db.schema.dropIndex('payments_store_id_id_idx').execute();
  // WARNING: drops column payments.redirect_url and its values.
  await db.schema.alterTable('payments').dropColumn('redirect_url').execute();
  // WARNING: drops column payments.store_id and its values.
  await db.schema.alterTable('payments').dropColumn('store_id').execute();
  // WARNING: drops table idempotency_keys and every row in it.
  await db.schema.dropTable('idempotency_keys').execute();
  // WARNING: drops table api_keys and every row in it.
  await db.schema.dropTable('api_keys').execute();
  // WARNING: drops table stores and every row in it.
  await db.schema.dropTable('stores').execute();
}
