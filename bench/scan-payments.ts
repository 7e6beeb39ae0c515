import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { engineOf } from '../src/db/column-sql.ts';
import { newId } from '../src/db/ids.ts';
import type { Database, payments } from '../src/db/models/index.ts';
import type { NewRowOf } from '../src/db/table.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { DEFAULT_STORE_ID } from '../test/rows.ts';
import type { Receiver } from './scan-load.ts';

/** Rows per INSERT: 500 × 10 columns stays under both engines' bound-parameter limits. */
const BATCH_SIZE = 500;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const LATE_WINDOW_MS = DAY_MS;

export interface InsertOpenPaymentsParams {
  readonly chain: string;
  /** Token ids by contract address (lower-case); the native coin under `null`. */
  readonly tokenIds: ReadonlyMap<string | null, string>;
  /** Payments whose deposit addresses the load pays into. */
  readonly receivers: readonly Receiver[];
  /** Payments at random addresses that receive nothing; their address indexes start here. */
  readonly fillers: number;
  readonly firstFillerIndex: bigint;
}

/**
 * Inserts open (pending, unexpired) payments in bulk, as createPayment would have over the
 * past day: created between 5 minutes and 24 hours ago, so none falls in the watch list's
 * incremental-refresh overlap (a server with this many open payments creates a few a
 * minute, not all of them at once). Returns how many rows were written.
 */
export async function insertOpenPayments(
  db: Kysely<Database>,
  params: InsertOpenPaymentsParams,
): Promise<number> {
  const now = Date.now();
  const tokenIdOf = (token: string | null) => {
    const id = params.tokenIds.get(token);
    if (!id) throw new Error(`no token row for ${token ?? 'the native coin'}`);
    return id;
  };
  const row = (fields: {
    address: string;
    addressIndex: bigint;
    tokenId: string;
    amount: bigint;
  }): NewRowOf<typeof payments> => {
    const createdAt = now - 5 * 60_000 - Math.floor(Math.random() * (DAY_MS - 5 * 60_000));
    const expiresAt = now + HOUR_MS + Math.floor(Math.random() * 6 * DAY_MS);
    return {
      id: newId(),
      store_id: DEFAULT_STORE_ID,
      token_id: fields.tokenId,
      chain: params.chain,
      address: fields.address,
      address_index: fields.addressIndex,
      amount: fields.amount,
      expires_at: new Date(expiresAt),
      watch_until: new Date(expiresAt + LATE_WINDOW_MS),
      created_at: new Date(createdAt),
      updated_at: new Date(createdAt),
    };
  };
  const fillerTokens = [...params.tokenIds.values()];
  const rows: NewRowOf<typeof payments>[] = [
    ...params.receivers.map((r) =>
      row({
        address: r.address,
        addressIndex: r.addressIndex,
        tokenId: tokenIdOf(r.token),
        amount: r.amount,
      }),
    ),
    ...Array.from({ length: params.fillers }, (_, i) =>
      row({
        address: `0x${randomBytes(20).toString('hex')}`,
        addressIndex: params.firstFillerIndex + BigInt(i),
        tokenId: fillerTokens[i % fillerTokens.length] as string,
        amount: 1_000_000n,
      }),
    ),
  ];
  await withTransaction(db, async (trx) => {
    for (let i = 0; i < rows.length; i += BATCH_SIZE) {
      await trx
        .insertInto('payments')
        .values(rows.slice(i, i + BATCH_SIZE))
        .execute();
    }
  });
  // PostgreSQL's autovacuum would analyze a table that grew this much within a minute or
  // so; doing it now keeps plans from changing in the middle of the measured rounds.
  if (engineOf(db) === 'postgres') await sql`analyze payments`.execute(db);
  return rows.length;
}

/**
 * Puts the chain back to before its first scan: no transfers, no events, no cursor or
 * header ring, every payment pending with nothing received. Not timed.
 */
export async function resetScan(db: Kysely<Database>, chain: string): Promise<void> {
  await withTransaction(db, async (trx) => {
    await trx.deleteFrom('transactions').where('chain', '=', chain).execute();
    await trx.deleteFrom('payment_events').execute();
    await trx.deleteFrom('chain_headers').where('chain', '=', chain).execute();
    await trx.deleteFrom('chain_states').where('chain', '=', chain).execute();
    await trx
      .updateTable('payments')
      .set({
        status: 'pending',
        exception: null,
        amount_received: 0n,
        confirmations: 0,
        detected_in_block: null,
        confirmed_at: null,
      })
      .where('chain', '=', chain)
      .where((eb) =>
        eb.or([eb('status', '<>', 'pending'), eb('detected_in_block', 'is not', null)]),
      )
      .execute();
  });
}

/** Token ids of the chain's enabled tokens, by contract address (`null`: the native coin). */
export async function loadTokenIds(
  db: Kysely<Database>,
  chain: string,
): Promise<Map<string | null, string>> {
  const rows = await db
    .selectFrom('tokens')
    .select(['id', 'address'])
    .where('chain', '=', chain)
    .where('enabled', '=', true)
    .execute();
  return new Map(rows.map((r) => [r.address, r.id]));
}
