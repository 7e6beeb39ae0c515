import { col } from '../columns.ts';
import { defineTable } from '../table.ts';

/** A request to be paid `amount` base units of a token at a deposit address of its own. */
export const payments = defineTable('payments', {
  columns: {
    id: col.uuid().primaryKey(),
    store_id: col.uuid().references('stores.id', { onDelete: 'restrict' }),
    token_id: col.uuid().references('tokens.id', { onDelete: 'restrict' }),
    chain: col.text(),
    /** The deposit address, lower-case hex. */
    address: col.text(),
    /** Its BIP-32 index (m/44'/60'/0'/0/i); never handed out twice. */
    address_index: col.bigint().unique(),
    amount: col.uint256(),
    /** The sum of the payment token's transfers still on the canonical chain. */
    amount_received: col.uint256().default('0'),
    /** pending, detected, confirmed, settled, expired, canceled. */
    status: col.text().default('pending'),
    /** underpaid, overpaid or late beside the status; null when none applies. */
    exception: col.text().nullable(),
    /** The fewest confirmations among the counted transfers. */
    confirmations: col.integer().default(0),
    detected_in_block: col.bigint().nullable(),
    /** The merchant's own identifier (an order id). */
    reference: col.text().nullable(),
    metadata: col.json().nullable(),
    /** Where the checkout page sends the payer back once the payment is confirmed. */
    redirect_url: col.text().nullable(),
    expires_at: col.timestamp(),
    /** Until when the address is scanned: expiry plus the late-payment window. */
    watch_until: col.timestamp(),
    confirmed_at: col.timestamp().nullable(),
    created_at: col.timestamp().defaultNow(),
    updated_at: col.timestamp().defaultNow(),
  },
  uniques: [{ columns: ['chain', 'address'] }],
  indexes: [
    { columns: ['status', 'expires_at'] },
    { columns: ['chain', 'watch_until'] },
    // A store's payments, newest first, for listing with cursor pagination.
    { columns: ['store_id', 'id'] },
  ],
});
