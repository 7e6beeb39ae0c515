import type { Kysely } from 'kysely';
import {
  type Address,
  BaseError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { parseTokenAmount } from '../amounts.ts';
import { isId } from '../db/ids.ts';
import type { Database } from '../db/models/index.ts';
import { PaymentError } from '../payments/errors.ts';
import { DEVNET_PAYER_KEYS } from './accounts.ts';
import { testTokenAbi } from './artifacts/TestToken.ts';
import type { DevnetInfo } from './devnet-file.ts';
import { DevnetError } from './errors.ts';
import { DEVNET_CHAIN_NAME, DEVNET_CONFIRMATIONS } from './start-devnet.ts';

export interface PayDevnetPaymentParams {
  readonly paymentId: string;
  /** In token units ('1.5'); what the payment still waits for when left out. */
  readonly amount?: string;
  /** The running devnet, from `findRunningDevnet`. */
  readonly devnet: DevnetInfo;
  /** A funded devnet account; Anvil's account 1 by default. */
  readonly payerKey?: Hex;
}

export interface PayDevnetPaymentResult {
  readonly txHash: Hex;
  /** Base units sent. */
  readonly amount: bigint;
  readonly symbol: string;
  readonly decimals: number;
  /** The ERC-20 contract; null for ETH. */
  readonly tokenAddress: Address | null;
  /** The payment's deposit address. */
  readonly to: Address;
}

/**
 * Pays a devnet payment from a funded account, as a customer's wallet would: ETH or an ERC-20
 * `transfer` to its deposit address, then mines the confirmation depth on top so the scanner
 * can confirm it. Throws `PaymentError` (PAYMENT_NOT_FOUND), `AmountError` (AMOUNT_INVALID, for
 * `amount`) and `DevnetError` (DEVNET_WRONG_CHAIN, DEVNET_NOTHING_TO_PAY,
 * DEVNET_TOKEN_MISSING, DEVNET_PAYMENT_FAILED).
 */
export async function payDevnetPayment(
  db: Kysely<Database>,
  params: PayDevnetPaymentParams,
): Promise<PayDevnetPaymentResult> {
  const payment = await findPaymentWithToken(db, params.paymentId);
  if (payment.chain !== DEVNET_CHAIN_NAME) {
    throw new DevnetError(
      'DEVNET_WRONG_CHAIN',
      `payment ${params.paymentId} is on ${payment.chain}; ctrip devnet pays ${DEVNET_CHAIN_NAME} payments only`,
      { details: { paymentId: params.paymentId, chain: payment.chain } },
    );
  }
  const amount =
    params.amount === undefined
      ? payment.amount - payment.amount_received
      : parseTokenAmount(params.amount, payment.decimals);
  if (amount <= 0n) {
    throw new DevnetError(
      'DEVNET_NOTHING_TO_PAY',
      `payment ${params.paymentId} has received its full amount; pass --amount to send more`,
      { details: { paymentId: params.paymentId } },
    );
  }

  const transport = http(params.devnet.url);
  const client = createPublicClient({ chain: foundry, transport, pollingInterval: 50 });
  const account = privateKeyToAccount(params.payerKey ?? DEVNET_PAYER_KEYS[0]);
  const wallet = createWalletClient({ account, chain: foundry, transport });
  const to = payment.address as Address;
  const tokenAddress = payment.token_address as Address | null;
  if (tokenAddress) {
    // A transfer call to an address without code "succeeds" and moves nothing.
    const code = await client.getCode({ address: tokenAddress });
    if (!code || code === '0x') {
      throw new DevnetError(
        'DEVNET_TOKEN_MISSING',
        `${payment.symbol} (${tokenAddress}) is not deployed on the running devnet`,
        { details: { token: tokenAddress } },
      );
    }
  }

  let txHash: Hex;
  try {
    txHash = tokenAddress
      ? await wallet.writeContract({
          address: tokenAddress,
          abi: testTokenAbi,
          functionName: 'transfer',
          args: [to, amount],
        })
      : await wallet.sendTransaction({ to, value: amount });
  } catch (cause) {
    throw new DevnetError(
      'DEVNET_PAYMENT_FAILED',
      `the payment transaction was refused: ${cause instanceof BaseError ? cause.shortMessage : String(cause)}`,
      { cause },
    );
  }
  const receipt = await client.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== 'success') {
    throw new DevnetError('DEVNET_PAYMENT_FAILED', `the payment transaction ${txHash} reverted`, {
      details: { txHash },
    });
  }
  // Nothing else mines on a quiet devnet: without these blocks the payment would wait forever.
  await createTestClient({ chain: foundry, mode: 'anvil', transport }).mine({
    blocks: DEVNET_CONFIRMATIONS,
  });
  return {
    txHash,
    amount,
    symbol: payment.symbol,
    decimals: payment.decimals,
    tokenAddress,
    to,
  };
}

async function findPaymentWithToken(db: Kysely<Database>, paymentId: string) {
  const notFound = () =>
    new PaymentError('PAYMENT_NOT_FOUND', `payment ${paymentId} does not exist`, { paymentId });
  if (!isId(paymentId)) throw notFound();
  const row = await db
    .selectFrom('payments')
    .innerJoin('tokens', 'tokens.id', 'payments.token_id')
    .select([
      'payments.chain',
      'payments.address',
      'payments.amount',
      'payments.amount_received',
      'tokens.address as token_address',
      'tokens.symbol',
      'tokens.decimals',
    ])
    .where('payments.id', '=', paymentId)
    .executeTakeFirst();
  if (!row) throw notFound();
  return row;
}
