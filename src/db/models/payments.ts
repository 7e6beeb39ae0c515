import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/** A request to be paid `amount` base units of a token at a deposit address of its own. */
export const payments = defineTable('payments', {
  columns: {
    id: col.uuid().primaryKey(),
    token_id: col.uuid().references('tokens.id', { onDelete: 'restrict' }),
    chain: col.text(),
    /** The deposit address, lower-case hex. */
    address: col.text(),
    amount: col.uint256(),
    status: col.text().default('pending'),
    confirmations: col.integer().default(0),
    detected_in_block: col.bigint().nullable(),
    expires_at: col.timestamp(),
    created_at: col.timestamp().defaultNow(),
    updated_at: col.timestamp().defaultNow(),
  },
  uniques: [{ columns: ['chain', 'address'] }],
  indexes: [{ columns: ['status', 'expires_at'] }],
});
