import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/**
 * The scanner's progress per chain. The cursor (last block fully processed and its hash) is
 * written in the same transaction as the transfers found up to it, so the two never disagree
 * after a crash.
 */
export const chainStates = defineTable('chain_states', {
  columns: {
    chain: col.text().primaryKey(),
    last_scanned_block: col.bigint().nullable(),
    last_scanned_hash: col.text().nullable(),
    /** The chain head when the scanner last looked: how far behind it is, for /ready and metrics. */
    head_block: col.bigint().nullable(),
    head_seen_at: col.timestamp().nullable(),
    /** Set when the scanner stopped itself (a reorg deeper than its window); cleared by an operator. */
    halted_reason: col.text().nullable(),
    updated_at: col.timestamp().defaultNow(),
  },
});
