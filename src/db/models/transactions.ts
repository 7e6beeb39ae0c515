import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/**
 * A transfer into a payment's deposit address, keyed by where it sits on chain: an ERC-20
 * Transfer log (its log index) or a native top-level transfer (log index −1).
 */
export const transactions = defineTable('transactions', {
  columns: {
    id: col.uuid().primaryKey(),
    payment_id: col.uuid().references('payments.id', { onDelete: 'cascade' }),
    /** What was sent; only transfers of the payment's own token count towards it. */
    token_id: col.uuid().references('tokens.id', { onDelete: 'restrict' }),
    chain: col.text(),
    tx_hash: col.text(),
    log_index: col.integer(),
    from_address: col.text(),
    block_number: col.bigint(),
    block_hash: col.text(),
    /** The block's timestamp: whether money came before the payment expired is decided by it. */
    block_time: col.timestamp(),
    amount: col.uint256(),
    confirmations: col.integer().default(0),
    /** pending (too few confirmations), confirmed, or removed (its block left the chain). */
    status: col.text().default('pending'),
    created_at: col.timestamp().defaultNow(),
    updated_at: col.timestamp().defaultNow(),
  },
  // A rescan of the same block finds the same (chain, tx_hash, log_index): never counted twice.
  uniques: [{ columns: ['chain', 'tx_hash', 'log_index'] }],
  // The scanner recounts confirmations of the chain's unconfirmed transfers on every pass.
  indexes: [{ columns: ['payment_id'] }, { columns: ['chain', 'status'] }],
});
