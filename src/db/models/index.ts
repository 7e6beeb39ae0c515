import type { TableOf, TableSpec } from '../table.ts';
import { apiKeys } from './api-keys.ts';
import { chainHeaders } from './chain-headers.ts';
import { chainStates } from './chain-states.ts';
import { idempotencyKeys } from './idempotency-keys.ts';
import { leases } from './leases.ts';
import { paymentEvents } from './payment-events.ts';
import { payments } from './payments.ts';
import { sequences } from './sequences.ts';
import { stores } from './stores.ts';
import { tokens } from './tokens.ts';
import { transactions } from './transactions.ts';

export {
  chainHeaders,
  chainStates,
  leases,
  paymentEvents,
  payments,
  sequences,
  tokens,
  transactions,
};

/**
 * Every model, in dependency order. This registry is the metadata the value codecs, the
 * migration tool and drift checks read: a table missing here is invisible to them.
 */
export const models: readonly TableSpec[] = [
  stores,
  apiKeys,
  idempotencyKeys,
  tokens,
  chainStates,
  chainHeaders,
  payments,
  transactions,
  paymentEvents,
  leases,
  sequences,
];

/** The Kysely database type of cTrip. */
export interface Database {
  stores: TableOf<typeof stores>;
  api_keys: TableOf<typeof apiKeys>;
  idempotency_keys: TableOf<typeof idempotencyKeys>;
  tokens: TableOf<typeof tokens>;
  chain_states: TableOf<typeof chainStates>;
  chain_headers: TableOf<typeof chainHeaders>;
  payments: TableOf<typeof payments>;
  transactions: TableOf<typeof transactions>;
  payment_events: TableOf<typeof paymentEvents>;
  leases: TableOf<typeof leases>;
  sequences: TableOf<typeof sequences>;
}
