import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/**
 * Named counters handed out by an atomic update (the next deposit-address index), so that
 * concurrent processes never receive the same value on either engine.
 */
export const sequences = defineTable('sequences', {
  columns: {
    name: col.text().primaryKey(),
    next_value: col.bigint(),
  },
});
