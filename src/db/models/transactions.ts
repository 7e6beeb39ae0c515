import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/** A transfer into a payment's deposit address, keyed by where it sits on chain. */
export const transactions = defineTable('transactions', {
  columns: {
    id: col.uuid().primaryKey(),
    payment_id: col.uuid().references('payments.id', { onDelete: 'cascade' }),
    chain: col.text(),
    tx_hash: col.text(),
    log_index: col.integer(),
    block_number: col.bigint(),
    block_hash: col.text(),
    amount: col.uint256(),
    confirmations: col.integer().default(0),
    status: col.text().default('pending'),
    created_at: col.timestamp().defaultNow(),
  },
  // A rescan of the same block finds the same (chain, tx_hash, log_index): never counted twice.
  uniques: [{ columns: ['chain', 'tx_hash', 'log_index'] }],
  indexes: [{ columns: ['payment_id'] }],
});
