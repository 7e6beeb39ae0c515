import { randomBytes, randomUUID } from 'node:crypto';
import type { payments } from '../src/db/models/index.ts';
import type { NewRowOf } from '../src/db/table.ts';

/** One payment as the benchmark inserts it: what creating a payment writes, defaults aside. */
export type NewPayment = Required<
  Pick<
    NewRowOf<typeof payments>,
    | 'id'
    | 'store_id'
    | 'token_id'
    | 'chain'
    | 'address'
    | 'address_index'
    | 'amount'
    | 'expires_at'
    | 'watch_until'
  >
>;

/** What every side of the benchmark inserts and looks up: generated once, shared by all. */
export interface PaymentFixtures {
  readonly tokenId: string;
  readonly chain: string;
  readonly payments: readonly NewPayment[];
  /** Deposit addresses of inserted payments, in lookup order; no address appears twice. */
  readonly lookups: readonly string[];
}

export interface CreatePaymentFixturesParams {
  readonly payments: number;
  readonly lookups: number;
}

const CHAIN = 'ethereum';
/** The default store every migrated database has. */
const DEFAULT_STORE_ID = '00000000-0000-7000-8000-000000000001';
/** 96-bit amounts: above 2^64, so the uint256 path (numeric / decimal text) is exercised. */
const AMOUNT_BYTES = 12;
const EXPIRY_MS = 30 * 60_000;
const LATE_WINDOW_MS = 24 * 3_600_000;

/**
 * Random payments on one chain for one token, and a random choice of their deposit
 * addresses to read back (a partial Fisher–Yates shuffle, so each is looked up once).
 */
export function createPaymentFixtures(params: CreatePaymentFixturesParams): PaymentFixtures {
  if (params.lookups > params.payments) throw new RangeError('more lookups than payments');
  const tokenId = randomUUID();
  const expiresAt = Date.now() + EXPIRY_MS;
  const rows: NewPayment[] = [];
  for (let i = 0; i < params.payments; i++) {
    rows.push({
      id: randomUUID(),
      store_id: DEFAULT_STORE_ID,
      token_id: tokenId,
      chain: CHAIN,
      address: `0x${randomBytes(20).toString('hex')}`,
      address_index: BigInt(i),
      amount: BigInt(`0x${randomBytes(AMOUNT_BYTES).toString('hex')}`),
      expires_at: new Date(expiresAt + i),
      watch_until: new Date(expiresAt + LATE_WINDOW_MS + i),
    });
  }
  const order = rows.map((row) => row.address);
  for (let i = 0; i < params.lookups; i++) {
    const j = i + Math.floor(Math.random() * (order.length - i));
    [order[i], order[j]] = [order[j] as string, order[i] as string];
  }
  return { tokenId, chain: CHAIN, payments: rows, lookups: order.slice(0, params.lookups) };
}

/** Splits rows into batches of `size` (the last one may be shorter). */
export function toBatches<T>(rows: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < rows.length; i += size) batches.push(rows.slice(i, i + size));
  return batches;
}
