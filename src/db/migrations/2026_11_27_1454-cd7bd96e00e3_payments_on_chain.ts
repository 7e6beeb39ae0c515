import { type Kysely, sql } from 'kysely';
import { columnTypes } from '../column-sql.ts';
import { serverDefault } from '../columns.ts';
import { batchAlterTable } from '../migrate/batch-alter-table.ts';

/**
 * Payments on chain: the header ring, the payment-event outbox, leases, sequences (deposit
 * address indexes), received amounts and exceptions on payments, and the token and sender of
 * each transfer.
 */
export const downRevision = 'd816918b76a5';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // The foundation release had no way to create payments, so these tables are empty; the new
  // NOT NULL columns (address index, token of a transfer) have no value to fill rows with.
  for (const table of ['payments', 'transactions']) {
    const row = await db.selectFrom(table).select(sql`1`.as('one')).limit(1).executeTakeFirst();
    if (row) {
      throw new Error(
        `${table} has rows; this migration adds columns that cannot be filled for them (deposit address index, transfer token). Back up and empty the table, or stamp past this revision after filling them by hand`,
      );
    }
  }

  await db.schema
    .createTable('chain_headers')
    .addColumn('chain', t.text, (c) => c.notNull())
    .addColumn('number', t.bigint, (c) => c.notNull())
    .addColumn('hash', t.text, (c) => c.notNull())
    .addColumn('parent_hash', t.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('chain_headers_pkey', ['chain', 'number'])
    .execute();
  await db.schema
    .createTable('payment_events')
    .addColumn('id', t.uuid, (c) => c.primaryKey())
    .addColumn('payment_id', t.uuid, (c) => c.notNull())
    .addColumn('type', t.text, (c) => c.notNull())
    .addColumn('data', t.json, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .addForeignKeyConstraint(
      'payment_events_payment_id_fkey',
      ['payment_id'],
      'payments',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('payment_events_payment_id_idx')
    .on('payment_events')
    .columns(['payment_id'])
    .execute();
  await db.schema
    .createTable('leases')
    .addColumn('name', t.text, (c) => c.primaryKey())
    .addColumn('holder', t.text, (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('acquired_at', t.timestamp, (c) => c.notNull().defaultTo(t.now))
    .execute();
  await db.schema
    .createTable('sequences')
    .addColumn('name', t.text, (c) => c.primaryKey())
    .addColumn('next_value', t.bigint, (c) => c.notNull())
    .execute();
  await batchAlterTable(db, 'tokens', (b) =>
    b
      .addColumn('underpayment_tolerance', 'uint256', {
        nullable: false,
        default: serverDefault.literal('0'),
      })
      .addColumn('updated_at', 'timestamp', { nullable: false, default: serverDefault.now }),
  );
  await db.schema.alterTable('chain_states').addColumn('head_block', t.bigint).execute();
  await db.schema.alterTable('chain_states').addColumn('head_seen_at', t.timestamp).execute();
  await db.schema.alterTable('chain_states').addColumn('halted_reason', t.text).execute();
  await batchAlterTable(db, 'payments', (b) =>
    b
      .addColumn('address_index', 'bigint', { nullable: false })
      .addColumn('amount_received', 'uint256', {
        nullable: false,
        default: serverDefault.literal('0'),
      })
      .addColumn('exception', 'text', { nullable: true })
      .addColumn('reference', 'text', { nullable: true })
      .addColumn('metadata', 'json', { nullable: true })
      .addColumn('watch_until', 'timestamp', { nullable: false })
      .addColumn('confirmed_at', 'timestamp', { nullable: true })
      .addUnique('payments_address_index_key', ['address_index']),
  );
  await db.schema
    .createIndex('payments_chain_watch_until_idx')
    .on('payments')
    .columns(['chain', 'watch_until'])
    .execute();
  await db.schema
    .createIndex('transactions_chain_status_idx')
    .on('transactions')
    .columns(['chain', 'status'])
    .execute();
  await batchAlterTable(db, 'transactions', (b) =>
    b
      .addColumn('token_id', 'uuid', { nullable: false })
      .addColumn('from_address', 'text', { nullable: false })
      .addColumn('block_time', 'timestamp', { nullable: false })
      .addColumn('updated_at', 'timestamp', { nullable: false, default: serverDefault.now })
      .addForeignKey('transactions_token_id_fkey', ['token_id'], {
        table: 'tokens',
        columns: ['id'],
        onDelete: 'restrict',
      }),
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> {
  await batchAlterTable(db, 'transactions', (b) => b.dropForeignKey('transactions_token_id_fkey'));
  await db.schema.dropIndex('transactions_chain_status_idx').execute();
  await db.schema.dropIndex('payments_chain_watch_until_idx').execute();
  // WARNING: drops column transactions.updated_at and its values.
  await db.schema.alterTable('transactions').dropColumn('updated_at').execute();
  // WARNING: drops column transactions.block_time and its values.
  await db.schema.alterTable('transactions').dropColumn('block_time').execute();
  // WARNING: drops column transactions.from_address and its values.
  await db.schema.alterTable('transactions').dropColumn('from_address').execute();
  // WARNING: drops column transactions.token_id and its values.
  await db.schema.alterTable('transactions').dropColumn('token_id').execute();
  await batchAlterTable(db, 'payments', (b) =>
    b
      .dropUnique('payments_address_index_key')
      // WARNING: drops column payments.confirmed_at and its values.
      .dropColumn('confirmed_at')
      // WARNING: drops column payments.watch_until and its values.
      .dropColumn('watch_until')
      // WARNING: drops column payments.metadata and its values.
      .dropColumn('metadata')
      // WARNING: drops column payments.reference and its values.
      .dropColumn('reference')
      // WARNING: drops column payments.exception and its values.
      .dropColumn('exception')
      // WARNING: drops column payments.amount_received and its values.
      .dropColumn('amount_received')
      // WARNING: drops column payments.address_index and its values.
      .dropColumn('address_index'),
  );
  // WARNING: drops column chain_states.halted_reason and its values.
  await db.schema.alterTable('chain_states').dropColumn('halted_reason').execute();
  // WARNING: drops column chain_states.head_seen_at and its values.
  await db.schema.alterTable('chain_states').dropColumn('head_seen_at').execute();
  // WARNING: drops column chain_states.head_block and its values.
  await db.schema.alterTable('chain_states').dropColumn('head_block').execute();
  // WARNING: drops column tokens.updated_at and its values.
  await db.schema.alterTable('tokens').dropColumn('updated_at').execute();
  // WARNING: drops column tokens.underpayment_tolerance and its values.
  await db.schema.alterTable('tokens').dropColumn('underpayment_tolerance').execute();
  // WARNING: drops table sequences and every row in it.
  await db.schema.dropTable('sequences').execute();
  // WARNING: drops table leases and every row in it.
  await db.schema.dropTable('leases').execute();
  // WARNING: drops table payment_events and every row in it.
  await db.schema.dropTable('payment_events').execute();
  // WARNING: drops table chain_headers and every row in it.
  await db.schema.dropTable('chain_headers').execute();
}
