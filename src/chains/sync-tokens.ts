import type { Kysely } from 'kysely';
import type { ChainConfig } from '../config/chains-file.ts';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import { withTransaction } from '../db/transaction.ts';
import { TokenDecimalsChangedError } from './errors.ts';

export interface SyncTokensResult {
  readonly added: readonly string[];
  readonly disabled: readonly string[];
  readonly enabled: readonly string[];
}

interface WantedToken {
  readonly chain: string;
  readonly address: string | null;
  readonly symbol: string;
  readonly decimals: number;
  readonly tolerance: bigint;
}

/**
 * Makes the `tokens` table match the chains file: new tokens are added, changed symbols and
 * tolerances updated, tokens no longer listed disabled (never deleted: old payments refer to
 * them) and listed ones enabled again. A token whose decimals changed is refused: every
 * amount already stored in it would change meaning.
 */
export async function syncTokens(
  db: Kysely<Database>,
  chains: readonly ChainConfig[],
  now: Date = new Date(),
): Promise<SyncTokensResult> {
  const wanted: WantedToken[] = chains.flatMap((chain) => [
    {
      chain: chain.name,
      address: null,
      symbol: chain.native.symbol,
      decimals: chain.native.decimals,
      tolerance: chain.native.underpaymentTolerance,
    },
    ...chain.tokens.map((token) => ({
      chain: chain.name,
      address: token.address,
      symbol: token.symbol,
      decimals: token.decimals,
      tolerance: token.underpaymentTolerance,
    })),
  ]);
  const key = (chain: string, address: string | null) => `${chain}/${address ?? 'native'}`;
  const label = (t: { chain: string; symbol: string }) => `${t.chain}:${t.symbol}`;

  return withTransaction(db, async (trx) => {
    const existing = await trx.selectFrom('tokens').selectAll().execute();
    const byKey = new Map(existing.map((row) => [key(row.chain, row.address), row]));
    const added: string[] = [];
    const enabled: string[] = [];
    const disabled: string[] = [];
    for (const token of wanted) {
      const row = byKey.get(key(token.chain, token.address));
      byKey.delete(key(token.chain, token.address));
      if (!row) {
        await trx
          .insertInto('tokens')
          .values({
            id: newId(),
            chain: token.chain,
            address: token.address,
            symbol: token.symbol,
            decimals: token.decimals,
            underpayment_tolerance: token.tolerance,
            created_at: now,
            updated_at: now,
          })
          .execute();
        added.push(label(token));
        continue;
      }
      if (row.decimals !== token.decimals) {
        throw new TokenDecimalsChangedError(label(token), row.decimals, token.decimals);
      }
      if (
        row.symbol !== token.symbol ||
        row.underpayment_tolerance !== token.tolerance ||
        !row.enabled
      ) {
        if (!row.enabled) enabled.push(label(token));
        await trx
          .updateTable('tokens')
          .set({
            symbol: token.symbol,
            underpayment_tolerance: token.tolerance,
            enabled: true,
            updated_at: now,
          })
          .where('id', '=', row.id)
          .execute();
      }
    }
    for (const row of byKey.values()) {
      if (!row.enabled) continue;
      await trx
        .updateTable('tokens')
        .set({ enabled: false, updated_at: now })
        .where('id', '=', row.id)
        .execute();
      disabled.push(label(row));
    }
    return { added, enabled, disabled };
  });
}
