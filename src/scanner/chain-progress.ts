import type { Kysely, Transaction } from 'kysely';
import type { BlockHeader } from '../chains/index.ts';
import type { Database } from '../db/models/index.ts';

export interface ChainProgress {
  /** The last block fully processed, or null before the first scan. */
  readonly cursor: bigint | null;
  readonly cursorHash: string | null;
  readonly haltedReason: string | null;
}

/** The chain's cursor; creates the chain's row on first use. */
export async function loadChainProgress(
  db: Kysely<Database>,
  chain: string,
): Promise<ChainProgress> {
  await db
    .insertInto('chain_states')
    .values({ chain })
    .onConflict((oc) => oc.column('chain').doNothing())
    .execute();
  const row = await db
    .selectFrom('chain_states')
    .select(['last_scanned_block', 'last_scanned_hash', 'halted_reason'])
    .where('chain', '=', chain)
    .executeTakeFirstOrThrow();
  return {
    cursor: row.last_scanned_block,
    cursorHash: row.last_scanned_hash,
    haltedReason: row.halted_reason,
  };
}

/** The ring's headers of `chain`, newest first. */
export async function loadHeaderRing(
  db: Kysely<Database> | Transaction<Database>,
  chain: string,
): Promise<{ number: bigint; hash: string; parentHash: string }[]> {
  const rows = await db
    .selectFrom('chain_headers')
    .select(['number', 'hash', 'parent_hash'])
    .where('chain', '=', chain)
    .orderBy('number', 'desc')
    .execute();
  return rows.map((row) => ({ number: row.number, hash: row.hash, parentHash: row.parent_hash }));
}

/**
 * Moves the cursor to the last of `headers` and adds them to the ring, dropping headers older
 * than the window. Conditional on the cursor still being `expectedCursor`, so two writers can
 * never both advance it from the same place. Returns false when the cursor had moved.
 */
export async function advanceChainProgress(
  trx: Transaction<Database>,
  params: {
    readonly chain: string;
    readonly expectedCursor: bigint | null;
    readonly headers: readonly BlockHeader[];
    readonly reorgWindow: number;
    readonly head: bigint;
    readonly now: Date;
  },
): Promise<boolean> {
  const last = params.headers[params.headers.length - 1];
  if (!last) return true;
  const update = await trx
    .updateTable('chain_states')
    .set({
      last_scanned_block: last.number,
      last_scanned_hash: last.hash,
      head_block: params.head,
      head_seen_at: params.now,
      updated_at: params.now,
    })
    .where('chain', '=', params.chain)
    .where((eb) =>
      params.expectedCursor === null
        ? eb('last_scanned_block', 'is', null)
        : eb('last_scanned_block', '=', params.expectedCursor),
    )
    .executeTakeFirst();
  if (update.numUpdatedRows === 0n) return false;
  const keepFrom = last.number - BigInt(params.reorgWindow) + 1n;
  const kept = params.headers.filter((h) => h.number >= keepFrom);
  for (let i = 0; i < kept.length; i += 200) {
    await trx
      .insertInto('chain_headers')
      .values(
        kept.slice(i, i + 200).map((h) => ({
          chain: params.chain,
          number: h.number,
          hash: h.hash,
          parent_hash: h.parentHash,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['chain', 'number']).doUpdateSet((eb) => ({
          hash: eb.ref('excluded.hash'),
          parent_hash: eb.ref('excluded.parent_hash'),
        })),
      )
      .execute();
  }
  await trx
    .deleteFrom('chain_headers')
    .where('chain', '=', params.chain)
    .where('number', '<', keepFrom)
    .execute();
  return true;
}

/** Notes the head the scanner saw when it had nothing new to scan (for lag figures). */
export async function recordChainHead(
  db: Kysely<Database> | Transaction<Database>,
  chain: string,
  head: bigint,
  now: Date,
): Promise<void> {
  await db
    .updateTable('chain_states')
    .set({ head_block: head, head_seen_at: now })
    .where('chain', '=', chain)
    .execute();
}

/** Rewinds the cursor to the common ancestor after a reorg and drops the orphaned headers. */
export async function rewindChainProgress(
  trx: Transaction<Database>,
  chain: string,
  ancestor: { number: bigint; hash: string },
  now: Date,
): Promise<void> {
  await trx
    .updateTable('chain_states')
    .set({ last_scanned_block: ancestor.number, last_scanned_hash: ancestor.hash, updated_at: now })
    .where('chain', '=', chain)
    .execute();
  await trx
    .deleteFrom('chain_headers')
    .where('chain', '=', chain)
    .where('number', '>', ancestor.number)
    .execute();
}

/** Stops the chain's scanning for every process until an operator clears the reason. */
export async function haltChain(
  db: Kysely<Database>,
  chain: string,
  reason: string,
  now: Date,
): Promise<void> {
  await db
    .updateTable('chain_states')
    .set({ halted_reason: reason, updated_at: now })
    .where('chain', '=', chain)
    .execute();
}
