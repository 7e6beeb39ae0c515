import type { Kysely } from 'kysely';
import { columnTypes } from '../column-sql.ts';

/** The original project's four tables: tokens, chain_states, payments, transactions. */
export const downRevision = null;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('tokens')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('chain', t.text, (c) => c.notNull())
    .addColumn('address', t.text)
    .addColumn('symbol', t.text, (c) => c.notNull())
    .addColumn('decimals', t.integer, (c) => c.notNull())
    .addColumn('enabled', t.boolean, (c) => c.notNull().defaultTo(t.literal(true)))
    .addColumn('created_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addUniqueConstraint('tokens_chain_address_key', ['chain', 'address'])
    .execute();

  await db.schema
    .createTable('chain_states')
    .addColumn('chain', t.text, (c) => c.primaryKey())
    .addColumn('last_scanned_block', t.bigint)
    .addColumn('last_scanned_hash', t.text)
    .addColumn('updated_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .execute();

  await db.schema
    .createTable('payments')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('token_id', t.uuid, (c) => c.notNull())
    .addColumn('chain', t.text, (c) => c.notNull())
    .addColumn('address', t.text, (c) => c.notNull())
    .addColumn('amount', t.uint256, (c) => c.notNull())
    .addColumn('status', t.text, (c) => c.notNull().defaultTo(t.literal('pending')))
    .addColumn('confirmations', t.integer, (c) => c.notNull().defaultTo(t.literal(0)))
    .addColumn('detected_in_block', t.bigint)
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addColumn('updated_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addUniqueConstraint('payments_chain_address_key', ['chain', 'address'])
    .addForeignKeyConstraint('payments_token_id_fkey', ['token_id'], 'tokens', ['id'], (fk) =>
      fk.onDelete('restrict'),
    )
    .execute();
  await db.schema
    .createIndex('payments_status_expires_at_idx')
    .on('payments')
    .columns(['status', 'expires_at'])
    .execute();

  await db.schema
    .createTable('transactions')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('payment_id', t.uuid, (c) => c.notNull())
    .addColumn('chain', t.text, (c) => c.notNull())
    .addColumn('tx_hash', t.text, (c) => c.notNull())
    .addColumn('log_index', t.integer, (c) => c.notNull())
    .addColumn('block_number', t.bigint, (c) => c.notNull())
    .addColumn('block_hash', t.text, (c) => c.notNull())
    .addColumn('amount', t.uint256, (c) => c.notNull())
    .addColumn('confirmations', t.integer, (c) => c.notNull().defaultTo(t.literal(0)))
    .addColumn('status', t.text, (c) => c.notNull().defaultTo(t.literal('pending')))
    .addColumn('created_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addUniqueConstraint('transactions_chain_tx_hash_log_index_key', [
      'chain',
      'tx_hash',
      'log_index',
    ])
    .addForeignKeyConstraint(
      'transactions_payment_id_fkey',
      ['payment_id'],
      'payments',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('transactions_payment_id_idx')
    .on('transactions')
    .column('payment_id')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('transactions').execute();
  await db.schema.dropTable('payments').execute();
  await db.schema.dropTable('chain_states').execute();
  await db.schema.dropTable('tokens').execute();
}
