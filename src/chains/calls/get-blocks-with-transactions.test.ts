import { createPublicClient, createWalletClient, http, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTokenAbi, testTokenBytecode } from '../../../contracts/artifacts/TestToken.ts';
import { ANVIL_PRIVATE_KEY, type AnvilNode, startAnvil } from '../../../test/anvil.ts';
import { createChainClient } from '../chain-client.ts';
import { RpcBlockUnavailableError } from '../errors.ts';
import { getBlocksWithTransactions } from './get-blocks-with-transactions.ts';

const account = privateKeyToAccount(ANVIL_PRIVATE_KEY);
const ALICE = '0x00000000000000000000000000000000000000A1';
const BOB = '0x00000000000000000000000000000000000000b2';

describe('getBlocksWithTransactions', () => {
  let anvil: AnvilNode;
  beforeAll(async () => {
    anvil = await startAnvil();
  });
  afterAll(() => anvil?.stop());

  it('returns the native transfers of each block in order, with exact values, lower-cased', async () => {
    const wallet = createWalletClient({ account, chain: foundry, transport: http(anvil.url) });
    const chain = createPublicClient({ chain: foundry, transport: http(anvil.url) });
    const sent = [];
    for (const [to, value] of [
      [ALICE, parseEther('1.5')],
      [BOB, 1n],
      [ALICE, 123_456_789_012_345_678_901n],
    ] as const) {
      const hash = await wallet.sendTransaction({ to, value });
      sent.push({ hash, to: to.toLowerCase(), value });
      await chain.waitForTransactionReceipt({ hash });
    }
    const creation = await wallet.deployContract({
      abi: testTokenAbi,
      bytecode: testTokenBytecode,
      args: ['Test USD', 'TUSD', 6],
    });
    await chain.waitForTransactionReceipt({ hash: creation });

    const client = createChainClient({ name: 'anvil', chainId: 31337, rpcUrls: [anvil.url] });
    const blocks = await getBlocksWithTransactions(client, 0n, 4n);
    expect(blocks.map((b) => b.header.number)).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(blocks[0]?.transactions).toEqual([]);
    const from = account.address.toLowerCase();
    expect(blocks.slice(1, 4).map((b) => b.transactions)).toEqual(
      sent.map(({ hash, to, value }) => [{ hash, from, to, value, index: 0 }]),
    );
    expect(blocks[4]?.transactions).toEqual([
      { hash: creation, from, to: null, value: 0n, index: 0 },
    ]);
    for (const [i, block] of blocks.entries()) {
      if (i > 0) expect(block.header.parentHash).toBe(blocks[i - 1]?.header.hash);
    }
  });

  it('a block beyond the head throws RpcBlockUnavailableError, which is retryable', async () => {
    const client = createChainClient({ name: 'anvil', chainId: 31337, rpcUrls: [anvil.url] });
    const error = await getBlocksWithTransactions(client, 1n, 1_000n).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcBlockUnavailableError);
    expect(error).toMatchObject({ code: 'RPC_BLOCK_UNAVAILABLE', retryable: true });
    expect(client.stats()[0]).toMatchObject({ errors: 0, coolingDownUntil: null });
  });
});
