import type { Kysely } from 'kysely';
import { columnTypes } from '../column-sql.ts';

/**
 * The sweeper's state: one sweep per payment, every transaction cTrip signs (stored before it
 * is broadcast), and the nonce counter of each signing account.
 */
export const downRevision = '5f2c3695630e';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('sweeps')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('payment_id', t.uuid, (c) => c.notNull())
    .addColumn('chain', t.text, (c) => c.notNull())
    .addColumn('token_id', t.uuid, (c) => c.notNull())
    .addColumn('from_address', t.text, (c) => c.notNull())
    .addColumn('address_index', t.bigint, (c) => c.notNull())
    .addColumn('to_address', t.text, (c) => c.notNull())
    .addColumn('status', t.text, (c) => c.notNull().defaultTo(t.literal('pending')))
    .addColumn('amount', t.uint256)
    .addColumn('top_up_tx_id', t.uuid)
    .addColumn('sweep_tx_id', t.uuid)
    .addColumn('error', t.text)
    .addColumn('confirmed_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addColumn('updated_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addUniqueConstraint('sweeps_payment_id_key', ['payment_id'])
    .addForeignKeyConstraint('sweeps_payment_id_fkey', ['payment_id'], 'payments', ['id'], (fk) =>
      fk.onDelete('restrict'),
    )
    .addForeignKeyConstraint('sweeps_token_id_fkey', ['token_id'], 'tokens', ['id'], (fk) =>
      fk.onDelete('restrict'),
    )
    .execute();
  await db.schema
    .createIndex('sweeps_chain_status_idx')
    .on('sweeps')
    .columns(['chain', 'status'])
    .execute();
  await db.schema
    .createTable('outgoing_transactions')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('chain', t.text, (c) => c.notNull())
    .addColumn('from_address', t.text, (c) => c.notNull())
    .addColumn('nonce', t.bigint, (c) => c.notNull())
    .addColumn('to_address', t.text, (c) => c.notNull())
    .addColumn('purpose', t.text, (c) => c.notNull())
    .addColumn('sweep_id', t.uuid, (c) => c.notNull())
    .addColumn('value', t.uint256, (c) => c.notNull())
    .addColumn('data', t.text)
    .addColumn('gas_limit', t.bigint, (c) => c.notNull())
    .addColumn('max_fee_per_gas', t.uint256, (c) => c.notNull())
    .addColumn('max_priority_fee_per_gas', t.uint256, (c) => c.notNull())
    .addColumn('raw', t.text, (c) => c.notNull())
    .addColumn('tx_hash', t.text, (c) => c.notNull())
    .addColumn('status', t.text, (c) => c.notNull().defaultTo(t.literal('signed')))
    .addColumn('block_number', t.bigint)
    .addColumn('broadcast_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addColumn('updated_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addUniqueConstraint('outgoing_transactions_chain_tx_hash_key', ['chain', 'tx_hash'])
    .addForeignKeyConstraint(
      'outgoing_transactions_sweep_id_fkey',
      ['sweep_id'],
      'sweeps',
      ['id'],
      (fk) => fk.onDelete('restrict'),
    )
    .execute();
  await db.schema
    .createIndex('outgoing_transactions_chain_from_address_nonce_idx')
    .on('outgoing_transactions')
    .columns(['chain', 'from_address', 'nonce'])
    .execute();
  await db.schema
    .createIndex('outgoing_transactions_sweep_id_idx')
    .on('outgoing_transactions')
    .columns(['sweep_id'])
    .execute();
  await db.schema
    .createTable('account_nonces')
    .addColumn('chain', t.text, (c) => c.notNull())
    .addColumn('address', t.text, (c) => c.notNull())
    .addColumn('next_nonce', t.bigint, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addPrimaryKeyConstraint('account_nonces_pkey', ['chain', 'address'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> {
  // WARNING: drops table account_nonces and every row in it.
  await db.schema.dropTable('account_nonces').execute();
  // WARNING: drops table outgoing_transactions and every row in it.
  await db.schema.dropTable('outgoing_transactions').execute();
  // WARNING: drops table sweeps and every row in it.
  await db.schema.dropTable('sweeps').execute();
}
