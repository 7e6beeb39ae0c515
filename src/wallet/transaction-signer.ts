import { type Address, type Hex, keccak256 } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { Secret } from '../config/secret.ts';
import { WalletError } from './errors.ts';

/** What every transaction the gateway signs has, whatever its fee model. */
interface TransactionBase {
  readonly chainId: number;
  readonly nonce: bigint;
  readonly to: Address;
  /** Wei. */
  readonly value: bigint;
  readonly data?: Hex;
  readonly gas: bigint;
}

/**
 * A transaction to sign. `legacy` (type 0, EIP-155) pays exactly `gas used × gasPrice`, which
 * lets a native sweep leave its address empty; `eip1559` (type 2) pays at most `maxFeePerGas`.
 */
export type UnsignedTransaction =
  | (TransactionBase & { readonly type: 'legacy'; readonly gasPrice: bigint })
  | (TransactionBase & {
      readonly type: 'eip1559';
      readonly maxFeePerGas: bigint;
      readonly maxPriorityFeePerGas: bigint;
    });

export interface SignedTransaction {
  /** Lower-case. */
  readonly from: Address;
  /** The serialized signed transaction, what eth_sendRawTransaction takes. */
  readonly raw: Hex;
  /** keccak256 of `raw`: the hash the chain will know it by. */
  readonly hash: Hex;
}

/** A private key as the sweeper holds it: the hot wallet's Secret, or a derived deposit key. */
export type SigningKey = Secret | Hex;

/**
 * Signs `tx` locally; nothing is sent. The key is never part of an error message: a malformed
 * key throws WalletError WALLET_INVALID_SIGNING_KEY saying only that.
 */
export async function signTransaction(
  key: SigningKey,
  tx: UnsignedTransaction,
): Promise<SignedTransaction> {
  const account = accountOf(key);
  const common = {
    chainId: tx.chainId,
    nonce: Number(tx.nonce),
    to: tx.to,
    value: tx.value,
    gas: tx.gas,
    ...(tx.data ? { data: tx.data } : {}),
  };
  const raw =
    tx.type === 'legacy'
      ? await account.signTransaction({ ...common, type: 'legacy', gasPrice: tx.gasPrice })
      : await account.signTransaction({
          ...common,
          type: 'eip1559',
          maxFeePerGas: tx.maxFeePerGas,
          maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
        });
  return { from: account.address.toLowerCase() as Address, raw, hash: keccak256(raw) };
}

/** The lower-case address a private key signs for. */
export function addressOfKey(key: SigningKey): Address {
  return accountOf(key).address.toLowerCase() as Address;
}

function accountOf(key: SigningKey) {
  const text = key instanceof Secret ? key.reveal() : key;
  const hex = (text.startsWith('0x') ? text : `0x${text}`) as Hex;
  try {
    return privateKeyToAccount(hex);
  } catch {
    // viem's message would quote the key it was given.
    throw new WalletError(
      'WALLET_INVALID_SIGNING_KEY',
      'the signing key is not a valid secp256k1 private key',
    );
  }
}
