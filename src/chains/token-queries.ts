import type { Kysely } from 'kysely';
import type { Database } from '../db/models/index.ts';

/** The tokens payments can be made in now (enabled), by chain and symbol. */
export async function listAcceptedTokens(db: Kysely<Database>) {
  return db
    .selectFrom('tokens')
    .select(['chain', 'symbol', 'address', 'decimals', 'underpayment_tolerance'])
    .where('enabled', '=', true)
    .orderBy('chain')
    .orderBy('symbol')
    .execute();
}
