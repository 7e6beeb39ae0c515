import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/** A merchant account: payments, API keys and webhook endpoints belong to one. */
export const stores = defineTable('stores', {
  columns: {
    id: col.uuid().primaryKey(),
    name: col.text().unique(),
    created_at: col.timestamp().defaultNow(),
  },
});
