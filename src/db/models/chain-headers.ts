import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/**
 * The ring of recent block headers per chain, as deep as the chain's reorg window. Invariant:
 * for consecutive numbers n−1, n of one chain, row n's parent_hash is row n−1's hash.
 */
export const chainHeaders = defineTable('chain_headers', {
  columns: {
    chain: col.text().primaryKey(),
    number: col.bigint().primaryKey(),
    hash: col.text(),
    parent_hash: col.text(),
  },
});
