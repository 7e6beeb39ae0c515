import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/**
 * The next nonce of each account cTrip signs for, per chain, handed out by one atomic update so
 * that concurrent processes never sign two transactions with one nonce.
 */
export const accountNonces = defineTable('account_nonces', {
  columns: {
    chain: col.text().primaryKey(),
    address: col.text().primaryKey(),
    next_nonce: col.bigint(),
    updated_at: col.timestamp().defaultNow(),
  },
});
