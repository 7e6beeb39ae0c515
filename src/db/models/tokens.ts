import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/** A coin a chain's payments can be made in: the native coin (no address) or an ERC-20. */
export const tokens = defineTable('tokens', {
  columns: {
    id: col.uuid().primaryKey(),
    chain: col.text(),
    /** The ERC-20 contract, lower-case hex; null for the chain's native coin. */
    address: col.text().nullable(),
    symbol: col.text(),
    decimals: col.integer(),
    enabled: col.boolean().default(true),
    created_at: col.timestamp().defaultNow(),
  },
  uniques: [{ columns: ['chain', 'address'] }],
});
