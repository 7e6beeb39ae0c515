import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/**
 * A coin a chain's payments can be made in: the native coin (no address) or an allow-listed
 * ERC-20. Rows are synced from the chains file at start-up; a token removed from the file is
 * disabled, never deleted, so the payments made in it keep their meaning.
 */
export const tokens = defineTable('tokens', {
  columns: {
    id: col.uuid().primaryKey(),
    chain: col.text(),
    /** The ERC-20 contract, lower-case hex; null for the chain's native coin. */
    address: col.text().nullable(),
    symbol: col.text(),
    decimals: col.integer(),
    enabled: col.boolean().default(true),
    /** Base units a payment may fall short by and still be confirmed. */
    underpayment_tolerance: col.uint256().default('0'),
    created_at: col.timestamp().defaultNow(),
    updated_at: col.timestamp().defaultNow(),
  },
  uniques: [{ columns: ['chain', 'address'] }],
});
