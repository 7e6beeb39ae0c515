import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/**
 * A transaction cTrip signed. It is stored before it is broadcast, so a crash between the two
 * rebroadcasts the same bytes instead of signing a second transfer; a replacement (fee bump)
 * is a new row with the same (chain, from_address, nonce).
 */
export const outgoingTransactions = defineTable('outgoing_transactions', {
  columns: {
    id: col.uuid().primaryKey(),
    chain: col.text(),
    from_address: col.text(),
    nonce: col.bigint(),
    to_address: col.text(),
    /** top_up (gas for a deposit address) or sweep. */
    purpose: col.text(),
    sweep_id: col.uuid().references('sweeps.id', { onDelete: 'restrict' }),
    value: col.uint256(),
    data: col.text().nullable(),
    gas_limit: col.bigint(),
    max_fee_per_gas: col.uint256(),
    max_priority_fee_per_gas: col.uint256(),
    /** The signed transaction, hex. */
    raw: col.text(),
    tx_hash: col.text(),
    /** signed, broadcast, mined, confirmed, replaced, failed. */
    status: col.text().default('signed'),
    block_number: col.bigint().nullable(),
    broadcast_at: col.timestamp().nullable(),
    created_at: col.timestamp().defaultNow(),
    updated_at: col.timestamp().defaultNow(),
  },
  uniques: [{ columns: ['chain', 'tx_hash'] }],
  indexes: [{ columns: ['chain', 'from_address', 'nonce'] }, { columns: ['sweep_id'] }],
});
