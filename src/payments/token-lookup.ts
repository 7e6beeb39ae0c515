import type { Kysely, Transaction } from 'kysely';
import type { Database, tokens } from '../db/models/index.ts';
import type { RowOf } from '../db/table.ts';
import { PaymentError } from './errors.ts';

export type TokenRow = RowOf<typeof tokens>;

const ADDRESS = /^0x[0-9a-f]{40}$/i;

/**
 * The token a payment is asked in: by symbol (any case) or by contract address, on a chain
 * the gateway knows. An unknown chain, an unknown token and a disabled token are each their
 * own error, so the merchant learns which part of the request is wrong.
 */
export async function findPaymentToken(
  db: Kysely<Database> | Transaction<Database>,
  chain: string,
  token: string,
): Promise<TokenRow> {
  const onChain = await db.selectFrom('tokens').selectAll().where('chain', '=', chain).execute();
  if (onChain.length === 0) {
    throw new PaymentError('CHAIN_NOT_FOUND', `chain "${chain}" is not configured`, { chain });
  }
  const wanted = token.trim();
  const matches = ADDRESS.test(wanted)
    ? onChain.filter((row) => row.address === wanted.toLowerCase())
    : onChain.filter((row) => row.symbol.toLowerCase() === wanted.toLowerCase());
  // A symbol whose contract changed has an old, disabled row beside the new one.
  const match = matches.find((row) => row.enabled) ?? matches[0];
  if (!match) {
    const known = onChain.filter((row) => row.enabled).map((row) => row.symbol);
    throw new PaymentError(
      'TOKEN_NOT_FOUND',
      `token "${wanted}" is not accepted on ${chain}; accepted: ${known.join(', ')}`,
      { chain, token: wanted },
    );
  }
  if (!match.enabled) {
    throw new PaymentError(
      'TOKEN_DISABLED',
      `token ${match.symbol} on ${chain} is no longer accepted`,
      {
        chain,
        token: match.symbol,
      },
    );
  }
  return match;
}
