import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/**
 * Exclusive, expiring claims on a piece of work (e.g. scanning one chain) shared by every
 * process on the database. A holder that crashes stops renewing and its lease lapses.
 */
export const leases = defineTable('leases', {
  columns: {
    name: col.text().primaryKey(),
    holder: col.text(),
    expires_at: col.timestamp(),
    acquired_at: col.timestamp().defaultNow(),
  },
});
