import type { Kysely } from 'kysely';
import { newId } from '../src/db/ids.ts';
import type { Database, payments, tokens, transactions } from '../src/db/models/index.ts';
import type { NewRowOf } from '../src/db/table.ts';

/** The default store's id, as the stores migration creates it. */
export const DEFAULT_STORE_ID = '00000000-0000-7000-8000-000000000001';

/** A `tokens` row for a test to insert: native ETH on chain `eth` unless `fields` say otherwise. */
export function tokenRow(fields: Partial<NewRowOf<typeof tokens>> = {}): NewRowOf<typeof tokens> {
  return { id: newId(), chain: 'eth', address: null, symbol: 'ETH', decimals: 18, ...fields };
}

/** Inserts a `tokenRow(fields)` and returns its id, for the payments a test makes of it. */
export async function insertToken(
  db: Kysely<Database>,
  fields: Partial<NewRowOf<typeof tokens>> = {},
): Promise<string> {
  const row = tokenRow(fields);
  await db.insertInto('tokens').values(row).execute();
  return row.id;
}

/**
 * A `payments` row of `tokenId` for a test to insert: 1 base unit on chain `eth` at an address
 * of its own, expiring at the start of 2030, unless `fields` say otherwise.
 */
let nextAddressIndex = BigInt(Math.floor(Math.random() * 1_000_000)) * 1000n;

export function paymentRow(
  tokenId: string,
  fields: Partial<NewRowOf<typeof payments>> = {},
): NewRowOf<typeof payments> {
  return {
    id: newId(),
    store_id: DEFAULT_STORE_ID,
    token_id: tokenId,
    chain: 'eth',
    address: `0x${newId().replaceAll('-', '')}`,
    address_index: nextAddressIndex++,
    amount: 1n,
    expires_at: new Date('2030-01-01T00:00:00.000Z'),
    watch_until: new Date('2030-01-02T00:00:00.000Z'),
    ...fields,
  };
}

/** A `transactions` row: a transfer of 5 base units of `tokenId` into `paymentId` at block 100. */
export function transferRow(
  paymentId: string,
  tokenId: string,
  fields: Partial<NewRowOf<typeof transactions>> = {},
): NewRowOf<typeof transactions> {
  return {
    id: newId(),
    payment_id: paymentId,
    token_id: tokenId,
    chain: 'eth',
    tx_hash: `0x${newId().replaceAll('-', '')}`,
    log_index: 0,
    from_address: '0x000000000000000000000000000000000000dead',
    block_number: 100n,
    block_hash: '0xblock',
    block_time: new Date('2029-12-31T00:00:00.000Z'),
    amount: 5n,
    ...fields,
  };
}
