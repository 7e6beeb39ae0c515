import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/**
 * A request made with an Idempotency-Key: the same key from the same API key gets the
 * stored response back instead of doing the work again.
 */
export const idempotencyKeys = defineTable('idempotency_keys', {
  columns: {
    id: col.uuid().primaryKey(),
    api_key_id: col.uuid().references('api_keys.id', { onDelete: 'cascade' }),
    key: col.text(),
    /** A hash of the method, path and body: a different request under the same key is refused. */
    request_hash: col.text(),
    response_status: col.integer(),
    response_body: col.json(),
    created_at: col.timestamp().defaultNow(),
  },
  uniques: [{ columns: ['api_key_id', 'key'] }],
  indexes: [{ columns: ['created_at'] }],
});
