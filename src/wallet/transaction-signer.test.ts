import { type Hex, parseTransaction, recoverTransactionAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { Secret } from '../config/secret.ts';
import { addressOfKey, signTransaction } from './transaction-signer.ts';

// Anvil's account 4: a public test key.
const KEY = '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a';
const ADDRESS = '0x15d34aaf54267db7d7c367839aaf71a00a2c6a65';
const TO = '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc';

describe('signing transactions', () => {
  it('a legacy transaction carries its exact gas price and the chain id, signed by the key', async () => {
    const signed = await signTransaction(new Secret(KEY), {
      type: 'legacy',
      chainId: 31337,
      nonce: 7n,
      to: TO,
      value: 10n ** 18n,
      gas: 21_000n,
      gasPrice: 2_000_000_000n,
    });
    expect(signed.from).toBe(ADDRESS);
    const parsed = parseTransaction(signed.raw);
    expect(parsed).toMatchObject({
      type: 'legacy',
      chainId: 31337,
      nonce: 7,
      gas: 21_000n,
      gasPrice: 2_000_000_000n,
      value: 10n ** 18n,
    });
    expect(
      (
        await recoverTransactionAddress({ serializedTransaction: signed.raw as never })
      ).toLowerCase(),
    ).toBe(ADDRESS);
  });

  it('an EIP-1559 transaction with data, and a hash that is the keccak of its bytes', async () => {
    const signed = await signTransaction(KEY, {
      type: 'eip1559',
      chainId: 1,
      nonce: 0n,
      to: TO,
      value: 0n,
      data: '0xa9059cbb',
      gas: 60_000n,
      maxFeePerGas: 30n,
      maxPriorityFeePerGas: 2n,
    });
    const parsed = parseTransaction(signed.raw);
    expect(parsed).toMatchObject({
      type: 'eip1559',
      maxFeePerGas: 30n,
      maxPriorityFeePerGas: 2n,
      data: '0xa9059cbb',
    });
    const { keccak256 } = await import('viem');
    expect(signed.hash).toBe(keccak256(signed.raw as Hex));
    expect(addressOfKey(KEY)).toBe(ADDRESS);
  });

  it('a malformed key is refused without repeating it', async () => {
    const bad = '0x1234567890abcdef';
    const attempt = signTransaction(new Secret(bad), {
      type: 'legacy',
      chainId: 1,
      nonce: 0n,
      to: TO,
      value: 0n,
      gas: 21_000n,
      gasPrice: 1n,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'WALLET_INVALID_SIGNING_KEY' });
    const error = (await attempt.catch((e: unknown) => e)) as Error;
    expect(`${error.message} ${String(error.cause ?? '')}`).not.toContain('1234567890abcdef');
  });
});
