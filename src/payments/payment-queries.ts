import type { Kysely } from 'kysely';
import { isId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import { PaymentError } from './errors.ts';
import type { PaymentStatus } from './payment-status.ts';

/** A payment with its token, as the API and the checkout page show it. */
export async function getPayment(
  db: Kysely<Database>,
  paymentId: string,
  options: { readonly storeId?: string } = {},
) {
  const notFound = () =>
    new PaymentError('PAYMENT_NOT_FOUND', `payment ${paymentId} does not exist`, { paymentId });
  if (!isId(paymentId)) throw notFound();
  let query = paymentsWithTokens(db).where('payments.id', '=', paymentId);
  // Another store's payment is indistinguishable from one that does not exist.
  if (options.storeId) query = query.where('payments.store_id', '=', options.storeId);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound();
  return row;
}

export type PaymentRow = Awaited<ReturnType<typeof getPayment>>;

/** Several payments in one query (those that exist), keyed by id. */
export async function getPaymentsById(
  db: Kysely<Database>,
  paymentIds: readonly string[],
): Promise<Map<string, PaymentRow>> {
  const found = new Map<string, PaymentRow>();
  for (let i = 0; i < paymentIds.length; i += 500) {
    const rows = await paymentsWithTokens(db)
      .where('payments.id', 'in', paymentIds.slice(i, i + 500))
      .execute();
    for (const row of rows) found.set(row.id, row);
  }
  return found;
}

export interface ListPaymentsParams {
  readonly storeId: string;
  readonly limit: number;
  /** The id of the last payment of the previous page. */
  readonly after?: string;
  readonly status?: PaymentStatus;
  readonly chain?: string;
  /** A token symbol (any case) or contract address. */
  readonly token?: string;
  readonly reference?: string;
  readonly createdFrom?: Date;
  readonly createdTo?: Date;
}

/**
 * A store's payments, newest first, one page at a time. Keyset pagination on the id (a
 * UUIDv7, ordered by creation): payments created while a client pages through land before
 * its first page, so pages never repeat or skip a payment.
 */
export async function listPayments(
  db: Kysely<Database>,
  params: ListPaymentsParams,
): Promise<{ rows: PaymentRow[]; hasMore: boolean }> {
  let query = paymentsWithTokens(db).where('payments.store_id', '=', params.storeId);
  if (params.after) query = query.where('payments.id', '<', params.after);
  if (params.status) query = query.where('payments.status', '=', params.status);
  if (params.chain) query = query.where('payments.chain', '=', params.chain);
  if (params.reference) query = query.where('payments.reference', '=', params.reference);
  if (params.createdFrom) query = query.where('payments.created_at', '>=', params.createdFrom);
  if (params.createdTo) query = query.where('payments.created_at', '<', params.createdTo);
  if (params.token) {
    const token = params.token;
    query = /^0x[0-9a-f]{40}$/i.test(token)
      ? query.where('tokens.address', '=', token.toLowerCase())
      : query.where((eb) => eb(eb.fn('lower', ['tokens.symbol']), '=', token.toLowerCase()));
  }
  const rows = await query
    .orderBy('payments.id', 'desc')
    .limit(params.limit + 1)
    .execute();
  return { rows: rows.slice(0, params.limit), hasMore: rows.length > params.limit };
}

/** A payment's transfers, in chain order. */
export async function listPaymentTransfers(db: Kysely<Database>, paymentId: string) {
  return db
    .selectFrom('transactions')
    .innerJoin('tokens', 'tokens.id', 'transactions.token_id')
    .select([
      'transactions.tx_hash',
      'transactions.log_index',
      'transactions.from_address',
      'transactions.amount',
      'transactions.block_number',
      'transactions.block_hash',
      'transactions.block_time',
      'transactions.confirmations',
      'transactions.status',
      'tokens.symbol',
      'tokens.decimals',
      'tokens.address as token_address',
    ])
    .where('transactions.payment_id', '=', paymentId)
    .orderBy('transactions.block_number')
    .orderBy('transactions.log_index')
    .execute();
}

/** A payment's events, oldest first. */
export async function listPaymentEvents(db: Kysely<Database>, paymentId: string) {
  return db
    .selectFrom('payment_events')
    .select(['id', 'type', 'data', 'created_at'])
    .where('payment_id', '=', paymentId)
    .orderBy('id')
    .execute();
}

function paymentsWithTokens(db: Kysely<Database>) {
  return db
    .selectFrom('payments')
    .innerJoin('tokens', 'tokens.id', 'payments.token_id')
    .select([
      'payments.id',
      'payments.store_id',
      'payments.chain',
      'payments.address',
      'payments.amount',
      'payments.amount_received',
      'payments.status',
      'payments.exception',
      'payments.confirmations',
      'payments.reference',
      'payments.metadata',
      'payments.redirect_url',
      'payments.expires_at',
      'payments.confirmed_at',
      'payments.created_at',
      'payments.updated_at',
      'tokens.symbol as token_symbol',
      'tokens.address as token_address',
      'tokens.decimals as token_decimals',
    ]);
}
