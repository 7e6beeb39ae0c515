import type { TableOf, TableSpec } from '../table.ts';
import { accountNonces } from './account-nonces.ts';
import { apiKeys } from './api-keys.ts';
import { chainHeaders } from './chain-headers.ts';
import { chainStates } from './chain-states.ts';
import { idempotencyKeys } from './idempotency-keys.ts';
import { leases } from './leases.ts';
import { outgoingTransactions } from './outgoing-transactions.ts';
import { paymentEvents } from './payment-events.ts';
import { payments } from './payments.ts';
import { sequences } from './sequences.ts';
import { stores } from './stores.ts';
import { sweeps } from './sweeps.ts';
import { tokens } from './tokens.ts';
import { transactions } from './transactions.ts';
import { webhookAttempts } from './webhook-attempts.ts';
import { webhookDeliveries } from './webhook-deliveries.ts';
import { webhookEndpoints } from './webhook-endpoints.ts';

export {
  accountNonces,
  chainHeaders,
  chainStates,
  leases,
  outgoingTransactions,
  paymentEvents,
  payments,
  sequences,
  sweeps,
  tokens,
  transactions,
  webhookAttempts,
  webhookDeliveries,
  webhookEndpoints,
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
  webhookEndpoints,
  webhookDeliveries,
  webhookAttempts,
  sweeps,
  outgoingTransactions,
  accountNonces,
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
  webhook_endpoints: TableOf<typeof webhookEndpoints>;
  webhook_deliveries: TableOf<typeof webhookDeliveries>;
  webhook_attempts: TableOf<typeof webhookAttempts>;
  sweeps: TableOf<typeof sweeps>;
  outgoing_transactions: TableOf<typeof outgoingTransactions>;
  account_nonces: TableOf<typeof accountNonces>;
}
