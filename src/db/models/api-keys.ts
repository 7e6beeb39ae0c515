import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/**
 * A store's API key. The key itself is never stored: only an HMAC of it (peppered with
 * SECRET_KEY), found through its non-secret prefix and compared in constant time.
 */
export const apiKeys = defineTable('api_keys', {
  columns: {
    id: col.uuid().primaryKey(),
    store_id: col.uuid().references('stores.id', { onDelete: 'restrict' }),
    name: col.text(),
    /** The key's first characters, shown in listings and used to find the row. */
    prefix: col.text().unique(),
    hash: col.text(),
    /** The scopes granted, e.g. ["payments:read", "payments:write"]. */
    scopes: col.json(),
    created_at: col.timestamp().defaultNow(),
    last_used_at: col.timestamp().nullable(),
    revoked_at: col.timestamp().nullable(),
  },
  indexes: [{ columns: ['store_id'] }],
});
