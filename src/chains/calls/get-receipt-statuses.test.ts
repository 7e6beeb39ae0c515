import { createPublicClient, createWalletClient, type Hex, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTokenAbi, testTokenBytecode } from '../../../contracts/artifacts/TestToken.ts';
import { ANVIL_PRIVATE_KEY, type AnvilNode, startAnvil } from '../../../test/anvil.ts';
import { createChainClient } from '../chain-client.ts';
import { getReceiptStatuses } from './get-receipt-statuses.ts';

const account = privateKeyToAccount(ANVIL_PRIVATE_KEY);
const RECIPIENT = '0x00000000000000000000000000000000000000a1';

describe('getReceiptStatuses', () => {
  let anvil: AnvilNode;
  beforeAll(async () => {
    anvil = await startAnvil();
  });
  afterAll(() => anvil?.stop());

  it('reports a mined transfer as success, a reverted one as reverted, an unknown one not at all', async () => {
    const wallet = createWalletClient({ account, chain: foundry, transport: http(anvil.url) });
    const chain = createPublicClient({ chain: foundry, transport: http(anvil.url) });
    const deployed = await chain.waitForTransactionReceipt({
      hash: await wallet.deployContract({
        abi: testTokenAbi,
        bytecode: testTokenBytecode,
        args: ['Test USD', 'TUSD', 6],
      }),
    });
    const token = deployed.contractAddress as Hex;
    const transfer = (amount: bigint) =>
      wallet.writeContract({
        address: token,
        abi: testTokenAbi,
        functionName: 'transfer',
        args: [RECIPIENT, amount],
        // A fixed gas limit, so viem sends the doomed transfer instead of refusing at estimation.
        gas: 100_000n,
      });
    await chain.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: token,
        abi: testTokenAbi,
        functionName: 'mint',
        args: [account.address, 10n],
      }),
    });
    const ok = await transfer(4n);
    const reverted = await transfer(1_000n);
    await chain.waitForTransactionReceipt({ hash: reverted });
    const unknown: Hex = `0x${'1'.repeat(64)}`;

    const client = createChainClient({ name: 'anvil', chainId: 31337, rpcUrls: [anvil.url] });
    const statuses = await getReceiptStatuses(client, [
      ok.toUpperCase().replace('0X', '0x') as Hex,
      reverted,
      unknown,
      ok,
    ]);
    expect(statuses).toEqual(
      new Map([
        [ok, 'success'],
        [reverted, 'reverted'],
      ]),
    );
  });
});
