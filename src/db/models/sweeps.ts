import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/**
 * Moving a confirmed payment's money from its deposit address to the treasury. The
 * transactions it sends are rows of `outgoing_transactions`; the payment becomes settled when
 * the sweep transaction has the chain's confirmations.
 */
export const sweeps = defineTable('sweeps', {
  columns: {
    id: col.uuid().primaryKey(),
    payment_id: col.uuid().references('payments.id', { onDelete: 'restrict' }).unique(),
    chain: col.text(),
    token_id: col.uuid().references('tokens.id', { onDelete: 'restrict' }),
    /** The deposit address and its BIP-32 index (the key that signs). */
    from_address: col.text(),
    address_index: col.bigint(),
    to_address: col.text(),
    /** pending, topping_up, sent, confirmed, failed. */
    status: col.text().default('pending'),
    /** What the sweep transaction moves, fixed when it is signed. */
    amount: col.uint256().nullable(),
    top_up_tx_id: col.uuid().nullable(),
    sweep_tx_id: col.uuid().nullable(),
    error: col.text().nullable(),
    confirmed_at: col.timestamp().nullable(),
    created_at: col.timestamp().defaultNow(),
    updated_at: col.timestamp().defaultNow(),
  },
  indexes: [{ columns: ['chain', 'status'] }],
});
