import type { TableOf, TableSpec } from '../table.ts';
import { chainStates } from './chain-states.ts';
import { payments } from './payments.ts';
import { tokens } from './tokens.ts';
import { transactions } from './transactions.ts';

export { chainStates, payments, tokens, transactions };

/**
 * Every model, in dependency order. This registry is the metadata the value codecs, the
 * migration tool and drift checks read: a table missing here is invisible to them.
 */
export const models: readonly TableSpec[] = [tokens, chainStates, payments, transactions];

/** The Kysely database type of cTrip. */
export interface Database {
  tokens: TableOf<typeof tokens>;
  chain_states: TableOf<typeof chainStates>;
  payments: TableOf<typeof payments>;
  transactions: TableOf<typeof transactions>;
}
