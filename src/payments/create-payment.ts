import type { Kysely } from 'kysely';
import { AmountError, parseTokenAmount } from '../amounts.ts';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import { takeSequenceValue } from '../db/sequences.ts';
import { withTransaction } from '../db/transaction.ts';
import { DEFAULT_STORE_NAME, findStore } from '../stores/store-store.ts';
import type { DepositAddressDeriver } from '../wallet/index.ts';
import { PaymentError } from './errors.ts';
import { recordPaymentEvent } from './payment-events.ts';
import { findPaymentToken, type TokenRow } from './token-lookup.ts';

/** The counter deposit-address indexes are taken from. */
export const DEPOSIT_ADDRESS_SEQUENCE = 'deposit_address_index';
const MAX_LIFETIME_SECONDS = 30 * 86_400;
const MAX_REFERENCE_LENGTH = 200;

export interface PaymentDeps {
  /**
   * The database, or a caller's transaction to create the payment in (the address index is
   * then held until that transaction ends: keep it short).
   */
  readonly db: Kysely<Database>;
  readonly deriver: DepositAddressDeriver;
  readonly policy: {
    readonly defaultLifetimeSeconds: number;
    readonly lateWindowSeconds: number;
  };
  /** The clock; tests pass their own. */
  readonly now?: () => Date;
}

export interface CreatePaymentParams {
  /** The store the payment belongs to; the default store when left out (CLI, devnet). */
  readonly storeId?: string;
  /** The chain's name from the chains file. */
  readonly chain: string;
  /** A token symbol (any case) or contract address. */
  readonly token: string;
  /** A decimal string in token units ('12.5'), converted with the token's decimals. */
  readonly amount: string;
  /** Seconds until the payment expires; the configured default when left out. */
  readonly expiresIn?: number;
  readonly reference?: string | null;
  readonly metadata?: Record<string, unknown> | null;
  /** Where the checkout page sends the payer back once the payment is confirmed. */
  readonly redirectUrl?: string | null;
}

export interface CreatedPayment {
  readonly id: string;
  readonly storeId: string;
  readonly chain: string;
  readonly token: TokenRow;
  readonly address: `0x${string}`;
  readonly addressIndex: bigint;
  readonly amount: bigint;
  readonly expiresAt: Date;
  readonly createdAt: Date;
}

/** The amount in base units; errors name the field and the token (`amount has 7 decimal places; …`). */
function parseAmount(text: string, token: TokenRow): bigint {
  try {
    return parseTokenAmount(text, token.decimals);
  } catch (error) {
    if (!(error instanceof AmountError)) throw error;
    throw new AmountError(
      error.reason,
      `amount ${error.message} (${token.symbol})`,
      token.decimals,
    );
  }
}

/**
 * Creates a payment with a deposit address of its own and records `payment.created`.
 * The address index comes from a database sequence taken before the insert, so concurrent
 * creations in any number of processes never share an index or an address.
 */
export async function createPayment(
  deps: PaymentDeps,
  params: CreatePaymentParams,
): Promise<CreatedPayment> {
  const token = await findPaymentToken(deps.db, params.chain, params.token);
  const amount = parseAmount(params.amount, token);
  const lifetime = params.expiresIn ?? deps.policy.defaultLifetimeSeconds;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_LIFETIME_SECONDS) {
    throw new PaymentError(
      'PAYMENT_INVALID_EXPIRY',
      `expires_in must be a whole number of seconds from 1 to ${MAX_LIFETIME_SECONDS} (30 days)`,
      { expiresIn: params.expiresIn },
    );
  }
  const reference = params.reference ?? null;
  if (reference !== null && (reference.length === 0 || reference.length > MAX_REFERENCE_LENGTH)) {
    throw new PaymentError(
      'PAYMENT_INVALID_REFERENCE',
      `reference must be 1 to ${MAX_REFERENCE_LENGTH} characters`,
    );
  }

  const storeId = params.storeId ?? (await findStore(deps.db, DEFAULT_STORE_NAME)).id;
  const addressIndex = await takeSequenceValue(deps.db, DEPOSIT_ADDRESS_SEQUENCE);
  const address = deps.deriver.addressAt(Number(addressIndex));
  const now = deps.now?.() ?? new Date();
  const expiresAt = new Date(now.getTime() + lifetime * 1000);
  const id = newId();
  await withTransaction(deps.db, async (trx) => {
    await trx
      .insertInto('payments')
      .values({
        id,
        store_id: storeId,
        token_id: token.id,
        chain: token.chain,
        address,
        address_index: addressIndex,
        amount,
        reference,
        metadata: params.metadata ?? null,
        redirect_url: params.redirectUrl ?? null,
        expires_at: expiresAt,
        watch_until: new Date(expiresAt.getTime() + deps.policy.lateWindowSeconds * 1000),
        created_at: now,
        updated_at: now,
      })
      .execute();
    await recordPaymentEvent(
      trx,
      id,
      'payment.created',
      { status: 'pending', exception: null, amount, amountReceived: 0n, confirmations: 0 },
      null,
    );
  });
  return {
    id,
    storeId,
    chain: token.chain,
    token,
    address,
    addressIndex,
    amount,
    expiresAt,
    createdAt: now,
  };
}
