import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/** The scanner's cursor per chain: the last block it has fully processed. */
export const chainStates = defineTable('chain_states', {
  columns: {
    chain: col.text().primaryKey(),
    last_scanned_block: col.bigint().nullable(),
    last_scanned_hash: col.text().nullable(),
    updated_at: col.timestamp().defaultNow(),
  },
});
